"""Form patterns matched by RE2, in time linear in the input, so no input can stall a request.

Python's `re` backtracks: `^(a|a)+$` took 4.8 s on 26 characters. RE2 has no backreferences
and no lookarounds; a form whose pattern uses them is refused when it is registered. So is
`patternProperties`, which jsonschema also matches with `re` (for additionalProperties).
"""

import functools
from collections.abc import Iterator

import re2
from jsonschema import Draft202012Validator, ValidationError, validators


class PatternRefused(ValueError):
    """A form's pattern that RE2 cannot run."""


_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the refusal says what is wrong; RE2 would also log it to stderr


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str):
    return re2.compile(pattern, _OPTIONS)


def _pattern(validator, pattern: str, instance, schema) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _compiled(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


FormValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


def pattern_problems(key: str, schema: object) -> list[str]:
    """Return what to change in each pattern of the form that RE2 cannot run."""
    return [f"form '{key}', field '{field or '(the form)'}': {problem}"
            for field, problem in _unrunnable(schema, "")]


def check_patterns(key: str, schema: object) -> None:
    """Raise PatternRefused unless RE2 can run every pattern of the form."""
    problems = pattern_problems(key, schema)
    if problems:
        raise PatternRefused("; ".join(problems))


def _unrunnable(schema: object, field: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(schema, list):
        for item in schema:
            yield from _unrunnable(item, field)
        return
    if not isinstance(schema, dict):
        return
    if "patternProperties" in schema:
        yield field, ("'patternProperties' is not supported (it would be matched by a "
                      "backtracking engine); list the fields under 'properties'")
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            _compiled(pattern)
        except re2.error as error:
            reason = error.args[0]
            reason = reason.decode() if isinstance(reason, bytes) else str(reason)
            yield field, (f"the pattern {pattern!r} cannot be matched in linear time "
                          f"({reason}); rewrite it without backreferences (\\1) and "
                          "lookarounds ((?=, (?!, (?<=, (?<!), e.g. '^[0-9]{12}$'")
    for name, value in schema.items():
        if name == "properties" and isinstance(value, dict):
            for prop, subschema in value.items():
                yield from _unrunnable(subschema, f"{field}/{prop}" if field else prop)
        elif isinstance(value, dict | list):
            yield from _unrunnable(value, field)
