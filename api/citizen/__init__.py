"""The citizen's pages, no sign-in: look up a dossier by code and PIN, read the catalogue.

Phone-first, Vietnamese by default. The pages use the same lookup as the public API
(api.public.citizen_lookup), so its rate limits and its answer apply unchanged.
"""

import hmac
import re
import secrets
from pathlib import Path

from flask import Blueprint, make_response, render_template, request, send_from_directory
from flask_babel import get_locale, gettext

from api.auth import public
from api.extensions import db
from api.payments import due_for_citizen
from api.public import citizen_lookup
from engine.catalogue import search_catalogue
from engine.errors import DossierNotFound
from engine.rate_limits import RateLimited

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Anonymous form, no session to tie a token to: double-submit. The GET puts a random token
# in a cookie and in the form; a POST must carry both, equal. Another site can neither read
# the cookie to copy it into a forged form nor, with SameSite=Strict, make the browser send
# it with a cross-site POST. It needs no server state and nothing from the staff sessions.
CSRF_COOKIE = "tra_cuu_csrf"
CSRF_FIELD = "csrf_token"
CODE_PATTERN = re.compile(r"^[!-~]{1,64}$")  # printable ASCII, no spaces: what codes are made of
PIN_PATTERN = re.compile(r"^\d{6}$")
# The pages run no script and load nothing from elsewhere.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

blp = Blueprint("citizen", __name__, template_folder="templates")


@blp.get("/tra-cuu")
@public
def lookup_form():
    """Show the lookup form; `?ma=<code>` (the link on the slip's QR code) fills in the code."""
    return _page(code=request.args.get("ma", "").strip()[:64])


@blp.post("/tra-cuu")
@public
def lookup():
    """Look the dossier up with the code and PIN posted in the form's body."""
    code = request.form.get("ma", "").strip()
    pin = request.form.get("pin", "").strip()
    if not _csrf_token_matches():
        return _page(code=code, status=400, error=gettext(
            "Trang tra cứu đã hết hạn. Vui lòng nhập lại mã PIN và bấm Tra cứu."))
    if not CODE_PATTERN.match(code) or not PIN_PATTERN.match(pin):
        return _page(code=code if CODE_PATTERN.match(code) else "", status=422, error=gettext(
            "Nhập mã hồ sơ và mã PIN gồm 6 chữ số in trên Giấy tiếp nhận và hẹn trả kết quả."))
    try:
        dossier = citizen_lookup(code, pin)
    except RateLimited as err:
        seconds = err.details["retry_after_seconds"]
        response = _page(code=code, status=429, error=gettext(
            "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau %(seconds)s giây.",
            seconds=seconds))
        response.headers["Retry-After"] = str(seconds)
        return response
    except DossierNotFound:
        db.session.rollback()
        return _page(code=code, status=404, error=gettext(
            "Không tìm thấy hồ sơ với mã hồ sơ và mã PIN này. Vui lòng kiểm tra lại cả hai "
            "trên Giấy tiếp nhận và hẹn trả kết quả."))
    return _page(code=code, dossier=dossier, payment=due_for_citizen(dossier["code"]))


@blp.get("/thu-tuc")
@public
def catalogue():
    """Show the procedures, narrowed by `?q=` (case and accents ignored)."""
    query = request.args.get("q", "").strip()[:200]
    response = make_response(render_template(
        "citizen/catalogue.html", query=query, entries=search_catalogue(db.session, query),
        lang=str(get_locale())))
    return _secured(response)


@blp.get("/cong-dan/static/<path:filename>")
@public
def static_file(filename: str):
    """Serve the pages' style sheet."""
    return send_from_directory(STATIC_DIR, filename)


def _csrf_token_matches() -> bool:
    cookie, field = request.cookies.get(CSRF_COOKIE, ""), request.form.get(CSRF_FIELD, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), field.encode())


def _page(*, code: str, status: int = 200, error: str | None = None,
          dossier: dict | None = None, payment: dict | None = None):
    """Render the lookup page with a fresh form token, never cached: it may show a status."""
    token = secrets.token_urlsafe(32)
    response = make_response(render_template(
        "citizen/lookup.html", code=code, error=error, dossier=dossier, payment=payment,
        csrf_token=token,
        csrf_field=CSRF_FIELD, lang=str(get_locale())), status)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/tra-cuu")
    response.headers["Cache-Control"] = "no-store"
    return _secured(response)


def _secured(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
