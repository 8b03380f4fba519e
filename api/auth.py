"""Authentication of the JSON API: a bearer token, or the staff app's session cookie.

Every endpoint needs one unless marked public. Scripts and the CLI send a bearer token; the
designer page, a staff app page, sends the session cookie with the session's CSRF token in
the `X-CSRF-Token` header. A request with the cookie but without the right token is refused
(403) before its body is read, whatever its method: another site's page can make the browser
send the cookie, never the token. The staff app's pages (the `web` blueprint) never read a
token: api.web.sessions signs them in with the cookie alone.
"""

from flask import current_app, g, request

from api.error_messages import say
from api.errors import error_response
from api.extensions import db
from engine.accounts import authenticate
from engine.models import User

PUBLIC_ATTR = "_motcua_public"
SESSION_COOKIE = "motcua_session"  # the staff app's session (api.web.sessions sets it)
COOKIE_BLUEPRINTS = ("web",)


def public(view):
    """Mark a view as reachable without a token."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def current_user() -> User:
    """Return the user the request authenticated as."""
    return g.user


def _is_public(endpoint: str | None) -> bool:
    if endpoint is None:
        return True  # unknown URLs fall through to the 404 handler
    if endpoint in ("static",) or endpoint.startswith("api-docs."):
        return True
    view = current_app.view_functions.get(endpoint)
    method = getattr(getattr(view, "view_class", None), request.method.lower(), None)
    return bool(getattr(view, PUBLIC_ATTR, False) or getattr(method, PUBLIC_ATTR, False))


def _authenticate_request():
    if request.method == "OPTIONS" or _is_public(request.endpoint):
        return None
    if request.blueprint in COOKIE_BLUEPRINTS:
        return None
    if "Authorization" not in request.headers and request.cookies.get(SESSION_COOKIE):
        return _authenticate_session()
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _unauthenticated(say("unauthenticated", "no_token"))
    user = authenticate(db.session, token.strip())
    if user is None:
        return _unauthenticated(say("unauthenticated", "unknown_token"))
    g.user = user
    return None


def _authenticate_session():
    # Imported here: the staff app's modules import this one for current_user.
    from api.web.sessions import CSRF_HEADER, request_session, tokens_match

    found = request_session()
    if found is None:
        return _unauthenticated(say("unauthenticated", "unknown_session"))
    web_session, user = found
    if not tokens_match(web_session.csrf_token, request.headers.get(CSRF_HEADER)):
        response, status = error_response(403, "csrf_refused",
                                          say("csrf_refused", header=CSRF_HEADER))
        response.headers["Connection"] = "close"  # the body is left unread, as below
        return response, status
    g.user = user
    return None


def _unauthenticated(message: str):
    response, status = error_response(401, "unauthenticated", message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="motcua"'
    # The body is left unread: close the connection rather than drain it for the next request.
    response.headers["Connection"] = "close"
    return response, status


def init_app(app) -> None:
    """Check the token, or the session cookie and its CSRF token, before every request."""
    app.before_request(_authenticate_request)
