"""The staff app's sign-in state: the session cookie, the signed-in user, CSRF checks.

Pages never read a bearer token: a browser holds a session cookie whose id is stored hashed
(engine.web_sessions), so any API process serves it. Every form carries the session's CSRF
token (the sign-in form, before there is a session, a token from its own cookie); a POST,
PUT, PATCH or DELETE without the right one is refused with 400 before its view runs.
"""

import hmac
import secrets
from datetime import timedelta

from flask import current_app, g, redirect, render_template, request, url_for

from api.auth import SESSION_COOKIE
from api.clock import now
from api.extensions import db
from engine.models import User, WebSession
from engine.passwords import Lockout
from engine.web_sessions import Lifetime, find_session

SIGN_IN_CSRF_COOKIE = "motcua_sign_in_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Pages a signed-out person may open; every other page sends them to sign in.
SIGNED_OUT_PAGES = {"web.sign_in_page"}
# Pages are server-rendered: no inline script or style, forms posted to the app only.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def lifetime() -> Lifetime:
    """Return the configured idle timeout and absolute lifetime of sessions."""
    config = current_app.config
    return Lifetime(idle=timedelta(minutes=config["MOTCUA_SESSION_IDLE_MINUTES"]),
                    absolute=timedelta(hours=config["MOTCUA_SESSION_MAX_HOURS"]))


def lockout() -> Lockout:
    """Return the configured lockout after wrong passwords."""
    config = current_app.config
    return Lockout(max_failures=config["MOTCUA_SIGN_IN_MAX_FAILURES"],
                   duration=timedelta(minutes=config["MOTCUA_SIGN_IN_LOCK_MINUTES"]))


def signed_in_user() -> User | None:
    """Return the user signed in on this request, if any."""
    return g.get("web_user")


def current_web_session() -> WebSession | None:
    """Return the session of this request, if signed in."""
    return g.get("web_session")


def csrf_token() -> str:
    """Return the token this request's forms carry; on the sign-in page, a fresh one."""
    web_session = current_web_session()
    if web_session is not None:
        return web_session.csrf_token
    if "sign_in_csrf" not in g:
        g.sign_in_csrf = request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    return g.sign_in_csrf


def set_cookie(response, name: str, value: str, path: str = "/") -> None:
    """Set a cookie scripts cannot read, sent on same-site navigation, Secure over HTTPS."""
    response.set_cookie(name, value, path=path, httponly=True, samesite="Lax",
                        secure=request.is_secure)


def clear_cookie(response, name: str) -> None:
    """Delete a cookie set by set_cookie."""
    response.delete_cookie(name, path="/", httponly=True, samesite="Lax",
                           secure=request.is_secure)


def request_session() -> tuple[WebSession, User] | None:
    """Return the live session the request's cookie names and its user, marking it seen."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    return find_session(db.session, session_id, now=now(), lifetime=lifetime())


def sign_in_redirect(next_path: str | None = None):
    """Send the browser to the sign-in page, to come back to `next_path` once signed in."""
    response = redirect(url_for("web.sign_in_page", next=next_path))
    if request.cookies.get(SESSION_COOKIE):
        clear_cookie(response, SESSION_COOKIE)  # it ended: idle, expired or deactivated
    return response


def is_local_path(path: str) -> bool:
    """Tell whether `path` is a path on this site, safe to send a browser back to."""
    # Browsers drop tabs and newlines and read a backslash as a slash: "/\t/host" is "//host".
    return (path.startswith("/") and not path.startswith("//") and "\\" not in path
            and path.isprintable())


def _load_session():
    """Find the request's session, refuse a form without its CSRF token, send strangers away."""
    if request.endpoint == "web.static":
        return None  # the style sheet is the same for all, and fetching it is no activity
    found = request_session()
    if found is not None:
        g.web_session, g.web_user = found
    if found is None and request.endpoint not in SIGNED_OUT_PAGES:
        return sign_in_redirect()
    if request.method in UNSAFE_METHODS and not _csrf_token_matches():
        return render_template("web/refused.html"), 400
    return None


def _csrf_token_matches() -> bool:
    expected = (current_web_session().csrf_token if current_web_session() is not None
                else request.cookies.get(SIGN_IN_CSRF_COOKIE))
    # The header first: an upload's body is left unread until its own view allows its size.
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    return tokens_match(expected, sent)


def tokens_match(expected: str | None, sent: str | None) -> bool:
    """Compare a CSRF token sent with the expected one, in constant time."""
    return bool(expected and sent) and hmac.compare_digest(expected.encode(), sent.encode())


def _keep_sign_in_token(response):
    """Give the sign-in form's token its cookie, so the form can be posted back."""
    if "sign_in_csrf" in g and request.cookies.get(SIGN_IN_CSRF_COOKIE) != g.sign_in_csrf:
        set_cookie(response, SIGN_IN_CSRF_COOKIE, g.sign_in_csrf)
    return response


def _page_headers(response):
    """Keep pages out of every cache, and let them run nothing but their own files."""
    if request.endpoint != "web.static":
        response.headers["Cache-Control"] = "no-store"
        # A page drawn by a vendored editor may widen it for styles, never for scripts.
        response.headers["Content-Security-Policy"] = g.get("content_security_policy",
                                                            CONTENT_SECURITY_POLICY)
    return response


def init_blueprint(blp) -> None:
    """Check the session and CSRF token before every page of `blp`."""
    blp.before_request(_load_session)
    blp.after_request(_keep_sign_in_token)
    blp.after_request(_page_headers)
    blp.context_processor(lambda: {"csrf_token": csrf_token,
                                       "signed_in_user": signed_in_user})
