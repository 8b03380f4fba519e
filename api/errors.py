"""One error shape for every failure: {"error": {"status", "code", "message", "details"}}."""

import contextlib
import json.decoder
import logging
import traceback

import psycopg
from flask import jsonify, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from api.error_messages import details_of, field_message, message_of, say
from api.extensions import db
from engine.errors import DomainError, Kind

STATUS_BY_KIND = {
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.FORBIDDEN: 403,
    Kind.INVALID: 422,
    Kind.TOO_MANY: 429,
    Kind.TOO_LARGE: 413,
    Kind.UNSUPPORTED_TYPE: 415,
    Kind.ENGINE: 500,
}
CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "not_permitted",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}
# Statuses whose code covers more than Werkzeug's error, told apart by a reason.
REASON_BY_STATUS = {404: "no_route", 429: "http"}
# Seconds a client should wait before retrying while the database is unreachable.
RETRY_AFTER_SECONDS = 5
log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, details: dict | None = None):
    """Build the error body every endpoint uses; `message` is said with `error_messages.say`."""
    body = {"error": {"status": status, "code": code, "message": message,
                      "details": details or {}}}
    return jsonify(body), status


def handle_domain_error(err: DomainError):
    """Map a use case's error to its HTTP status; a rate limit also says when to retry."""
    response, status = error_response(STATUS_BY_KIND[err.kind], err.code, message_of(err),
                                      details_of(err))
    if "retry_after_seconds" in err.details:
        response.headers["Retry-After"] = str(err.details["retry_after_seconds"])
    return response, status


def handle_http_exception(err: HTTPException):
    """Reshape Werkzeug and webargs errors, flattening field messages into a list."""
    status = err.code or 500
    code = CODE_BY_STATUS.get(status, "error")
    details = {}
    messages = (getattr(err, "data", None) or {}).get("messages")
    if status == 400 and messages:
        message = say(code, "not_json")
    elif messages:
        details["fields"] = _flatten(messages)
        message = say(code)
    else:
        message = say(code, REASON_BY_STATUS.get(status), method=request.method)
    return error_response(status, code, message, details)


def handle_database_unavailable(err: Exception):
    """Answer 503 with Retry-After while the database cannot be reached; else a 500.

    What the unit of work had not committed is rolled back; the pool replaces the broken
    connection, so the first request after the outage succeeds.
    """
    if not _database_unavailable(err):
        return handle_unexpected(err)
    _roll_back_quietly()
    log.warning("database unavailable: %s", err)
    response, status = error_response(
        503, "unavailable", say("unavailable", "database", seconds=RETRY_AFTER_SECONDS))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status


def _database_unavailable(err: Exception) -> bool:
    if isinstance(err, OperationalError | psycopg.OperationalError | PoolTimeout):
        return True
    return isinstance(err, DBAPIError) and err.connection_invalidated


def _roll_back_quietly() -> None:
    _end_session_quietly(db.session.rollback)


def close_session_quietly(_error: BaseException | None = None) -> None:
    """End the request's session so that a connection lost meanwhile cannot fail the answer.

    Flask-SQLAlchemy's teardown also ends it, but when the server dropped the connection
    after the request's last statement its ROLLBACK raised out of the teardown and gunicorn
    answered a bare 500, even to a request that had committed.
    """
    _end_session_quietly(db.session.close)


def _end_session_quietly(end) -> None:
    try:
        end()
    except Exception:  # noqa: BLE001 - the connection is gone: drop it without talking to it
        log.debug("ending the session on a lost connection failed", exc_info=True)
        with contextlib.suppress(Exception):
            db.session.invalidate()


def handle_recursion(err: RecursionError):
    """Refuse JSON nested too deeply to decode as a bad request; any other recursion is a bug."""
    if not any(frame.f_code.co_filename == json.decoder.__file__
               for frame, _ in traceback.walk_tb(err.__traceback__)):
        return handle_unexpected(err)
    return error_response(400, "bad_request", say("bad_request", "too_deep"))


def handle_unexpected(err: Exception):
    """Log what was not foreseen and answer without leaking internals."""
    log.exception("unhandled error", exc_info=err)
    return error_response(500, "internal_error", say("internal_error"))


def _flatten(messages: dict) -> list[dict]:
    """Turn webargs' {location: {field: [messages]}} into [{field, message}]."""
    fields: list[dict] = []
    for per_location in messages.values():
        _walk(per_location, "", fields)
    return fields


def _walk(value, path: str, fields: list[dict]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _walk(inner, f"{path}.{key}" if path else str(key), fields)
    else:
        for text in value if isinstance(value, list) else [value]:
            fields.append({"field": path, "message": field_message(str(text))})


def init_app(app) -> None:
    """Register the handlers."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    for unavailable in (DBAPIError, psycopg.OperationalError, PoolTimeout):
        app.register_error_handler(unavailable, handle_database_unavailable)
    app.register_error_handler(RecursionError, handle_recursion)
    app.register_error_handler(Exception, handle_unexpected)
    # Registered after Flask-SQLAlchemy's teardown, so it runs before it.
    app.teardown_appcontext(close_session_quietly)
