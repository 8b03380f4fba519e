"""The process designer page: bpmn-js with its properties panel, for signed-in staff.

The page is the staff app's: signed out, it sends the browser to the sign-in page and back.
It carries the session's CSRF token for its scripts, whose API calls authenticate with the
session cookie and that token (api.auth). The bundle is not committed: `make assets` builds
it with npm and esbuild into static/build/.
"""

from pathlib import Path

from flask import (
    Blueprint,
    make_response,
    render_template,
    request,
    send_from_directory,
    url_for,
)

from api.auth import public
from api.error_messages import say
from api.errors import error_response
from api.formatting import role_name
from api.web.sessions import request_session, sign_in_redirect

STATIC_DIR = Path(__file__).resolve().parent / "static"
BUILT_FILES = ("build/designer.js", "build/designer.css")
# The page runs only its own scripts; bpmn-js sets inline styles and draws data: images.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; "
                           "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                           "font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

blp = Blueprint("designer_ui", __name__, url_prefix="/designer", template_folder="templates")


@blp.get("")
@public
def page():
    """Serve the designer page to a signed-in person, or send them to sign in and back."""
    found = request_session()
    if found is None:
        return sign_in_redirect(request.full_path.rstrip("?"))
    missing = [name for name in BUILT_FILES if not (STATIC_DIR / name).is_file()]
    if missing:
        return error_response(503, "assets_missing", say("assets_missing"), {"missing": missing})
    web_session, user = found
    response = make_response(render_template(
        "designer_ui/designer.html", csrf_token=web_session.csrf_token, user=user,
        role_name=role_name, sign_out=url_for("web.sign_out")))
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Cache-Control"] = "no-store"  # it carries the session's CSRF token
    return response


@blp.get("/static/<path:filename>")
@public
def static_file(filename: str):
    """Serve the page's scripts, styles and its bundle."""
    return send_from_directory(STATIC_DIR, filename)
