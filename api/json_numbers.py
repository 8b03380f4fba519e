"""JSON numbers that no field can hold are refused with 422 naming the field, never a 500.

Python's json refuses integers of more than 4,300 digits with a ValueError that webargs does
not expect, and a 2^63 that gets through fails in the database. Every JSON body is decoded
by the app's provider, which keeps such numbers out of the data it returns.
"""

import json
import math

from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import UnprocessableEntity

from api.schemas import BIG_INTEGER_MAX

MAX_DIGITS = len(str(BIG_INTEGER_MAX))


class _OutOfRange:
    """What the decoder puts in place of a number no field can hold."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def describe(self) -> str:
        digits = len(self.text.lstrip("-"))
        number = f"a {digits}-digit number" if digits > 2 * MAX_DIGITS else self.text
        return (f"{number} is out of range: send a finite number, and an integer between "
                f"{-BIG_INTEGER_MAX} and {BIG_INTEGER_MAX}; the field's own limits are in "
                "its schema")


def _integer(text: str):
    if len(text.lstrip("-")) > MAX_DIGITS:
        return _OutOfRange(text)  # converted, it could cost seconds of CPU
    value = int(text)
    return value if abs(value) <= BIG_INTEGER_MAX else _OutOfRange(text)


def _float(text: str):
    value = float(text)
    return value if math.isfinite(value) else _OutOfRange(text)


def _first_out_of_range(value) -> tuple[str, _OutOfRange] | None:
    """Return the dotted path of the first placeholder, walking without recursion."""
    stack = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, _OutOfRange):
            return path, item
        children = (item.items() if isinstance(item, dict)
                    else enumerate(item) if isinstance(item, list) else ())
        stack.extend((f"{path}.{key}" if path else str(key), child)
                     for key, child in reversed(list(children)))
    return None


class NumberCheckingJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing numbers out of range with the path of the field that holds one."""

    def loads(self, s, **kwargs):
        """Decode JSON; raise 422 naming the first field whose number is out of range."""
        value = json.loads(s, parse_int=_integer, parse_float=_float,
                           parse_constant=_OutOfRange, **kwargs)
        found = _first_out_of_range(value)
        if found is not None:
            path, number = found
            error = UnprocessableEntity()
            # Shaped like webargs' errors, so the field is listed like any other invalid one.
            error.data = {"messages": {"json": {path or "body": [number.describe()]}}}
            raise error
        return value


def decode_json_body() -> None:
    """Decode a JSON body with the app's provider before any view's schema reads it.

    A view that allows a larger body than the app (a designer's model) calls this once it
    has raised the request's limit.
    """
    if request.is_json:
        request.get_json(silent=True)


def init_app(app) -> None:
    """Decode every JSON body with range checks.

    The body is first decoded by api.input_guard, after authentication and only for a
    request that has a route, so this adds no read of its own.
    """
    provider = NumberCheckingJSONProvider(app)
    provider.ensure_ascii = app.json.ensure_ascii
    app.json = provider
