"""Refuse bodies too large to read and text no database can store, before any use case.

Registered after api.auth: a request without a valid token is refused before its body
is read.
"""

import io

from flask import current_app, request

from api.config import largest_body_bytes
from api.error_messages import say
from api.errors import error_response

SURROGATES = range(0xD800, 0xE000)


def _unstorable(text: str) -> bool:
    """NUL is refused by PostgreSQL; unpaired surrogates cannot be encoded as UTF-8."""
    return "\x00" in text or any(ord(char) in SURROGATES for char in text)


def _walk(value) -> bool:
    if isinstance(value, str):
        return _unstorable(value)
    if isinstance(value, dict):
        return any(_unstorable(key) or _walk(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_walk(item) for item in value)
    return False


def _refuse_unstorable_text():
    in_url = _unstorable(request.path) or any(
        _unstorable(key) or _unstorable(value) for key, value in request.args.items(multi=True))
    # A body over the app-wide limit is left to views that allow more (a designer's model);
    # reading it here would refuse it with 413 before they can.
    small = (request.content_length or 0) <= (current_app.config["MAX_CONTENT_LENGTH"] or 0)
    routed = request.url_rule is not None
    in_body = routed and request.is_json and small and _walk(request.get_json(silent=True))
    if in_url or in_body:
        return error_response(400, "bad_request", say("bad_request", "unstorable_text"))
    return None


def _give_streamed_body_its_length():
    """Give a chunked body (no Content-Length) its length, read up to the largest limit.

    Werkzeug stops reading a chunked body at the size limit and hands the view the
    truncated prefix. Read here up to one byte past the largest limit any view allows, so
    the body reaches the view with a Content-Length and each view's limit answers 413 as
    it does for any other body. Runs after authentication: an anonymous body is never read.
    """
    environ = request.environ
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    # A request for no route is answered 404 or 405 with its body unread.
    if chunked and not environ.get("CONTENT_LENGTH") and request.url_rule is not None:
        body = _read_up_to(environ["wsgi.input"], largest_body_bytes(current_app.config))
        # From here on the body is an ordinary one of known length.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING")
        environ.pop("wsgi.input_terminated", None)


def _read_up_to(stream, cap: int) -> bytes:
    parts, size = [], 0
    while size <= cap:
        part = stream.read(min(65536, cap + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def init_app(app) -> None:
    """Check every request's size and text before it is handled (after authentication)."""
    app.before_request(_give_streamed_body_its_length)
    app.before_request(_refuse_unstorable_text)
