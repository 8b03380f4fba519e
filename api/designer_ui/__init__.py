"""The process designer page: static HTML and scripts around bpmn-js, served without a token.

The page holds no data; every API call it makes carries the designer's token. bpmn-js is not
committed: `make assets` installs it with npm and copies its distributed files to static/vendor/.
"""

from pathlib import Path

from flask import Blueprint, send_from_directory

from api.auth import public
from api.error_messages import say
from api.errors import error_response

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_FILES = ("vendor/bpmn-js/bpmn-modeler.production.min.js",
                "vendor/bpmn-js/assets/bpmn-js.css")
# The page runs only its own scripts; bpmn-js sets inline styles and draws data: images.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; "
                           "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                           "font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                           "base-uri 'none'; frame-ancestors 'none'")

blp = Blueprint("designer_ui", __name__, url_prefix="/designer")


@blp.get("")
@public
def page():
    """Serve the designer page, or say how to build its assets when they are missing."""
    missing = [name for name in VENDOR_FILES if not (STATIC_DIR / name).is_file()]
    if missing:
        return error_response(503, "assets_missing", say("assets_missing"), {"missing": missing})
    response = send_from_directory(STATIC_DIR, "designer.html", mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@blp.get("/static/<path:filename>")
@public
def static_file(filename: str):
    """Serve the page's scripts, styles and the vendored bpmn-js files."""
    return send_from_directory(STATIC_DIR, filename)
