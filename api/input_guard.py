"""Refuse text no database can store before it reaches a use case."""

from flask import current_app, request

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
    in_body = request.is_json and small and _walk(request.get_json(silent=True))
    if in_url or in_body:
        return error_response(400, "bad_request", "The request contains a NUL character or an "
                              "unpaired UTF-16 surrogate, which cannot be stored; remove it.")
    return None


def init_app(app) -> None:
    """Check every request's text before it is handled."""
    app.before_request(_refuse_unstorable_text)
