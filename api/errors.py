"""One error shape for every failure: {"error": {"status", "code", "message", "details"}}."""

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

from engine.errors import DomainError, Kind

STATUS_BY_KIND = {
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.FORBIDDEN: 403,
    Kind.INVALID: 422,
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
log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, details: dict | None = None):
    """Build the error body every endpoint uses."""
    body = {"error": {"status": status, "code": code, "message": message,
                      "details": details or {}}}
    return jsonify(body), status


def handle_domain_error(err: DomainError):
    """Map a use case's error to its HTTP status."""
    return error_response(STATUS_BY_KIND[err.kind], err.code, err.message, err.details)


def handle_http_exception(err: HTTPException):
    """Reshape Werkzeug and webargs errors, flattening field messages into a list."""
    status = err.code or 500
    details = {}
    messages = (getattr(err, "data", None) or {}).get("messages")
    message = err.description or ""
    if status == 400 and messages:
        message = ("The body is not valid JSON; send a JSON object with "
                   "Content-Type: application/json.")
    elif messages:
        details["fields"] = _flatten(messages)
        message = "The request has invalid fields: fix the fields listed."
    return error_response(status, CODE_BY_STATUS.get(status, "error"), message, details)


def handle_unexpected(err: Exception):
    """Log what was not foreseen and answer without leaking internals."""
    log.exception("unhandled error", exc_info=err)
    return error_response(500, "internal_error", InternalServerError.description)


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
            fields.append({"field": path, "message": str(text)})


def init_app(app) -> None:
    """Register the handlers."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
