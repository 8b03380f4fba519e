"""Sample data generated from forms, for trial runs of procedures without samples.json.

Each form gets data valid for its JSON Schema: the required fields, those its conditions
require in turn, enumerations' first value (or, per variant, each value of a step's first
required choice, so a trial can take each branch), formats such as dates.
"""

import re
from collections.abc import Callable

from jsonschema import Draft202012Validator

SAMPLE_DATE = "2026-03-02"
SAMPLE_TEXT = "Mẫu"
_FORMATS = {"date": SAMPLE_DATE, "date-time": f"{SAMPLE_DATE}T08:00:00+07:00",
            "time": "08:00:00", "email": "mau@example.vn", "uri": "https://example.vn",
            "uuid": "00000000-0000-4000-8000-000000000000"}
_PATTERN_CANDIDATES = ("0" * 12, "012345678901", "0912345678", "A1", "a", "1", "0",
                       "2026", "ABC-123")


def generate_samples(schema_of: Callable[[str], dict | None], *, intake_form: str,
                     step_forms: dict[str, str | None]) -> dict:
    """Return samples.json-shaped data: {"intake": {...}, "steps": {step: {variant: {...}}}}.

    `schema_of` returns a form's schema, or None for a form it does not know (its data is
    then empty); `step_forms` maps each human step to its form key.
    """
    steps = {}
    for step, key in step_forms.items():
        schema = (schema_of(key) if key else None) or {}
        steps[step] = step_variants(schema)
    return {"intake": sample(schema_of(intake_form) or {}), "steps": steps}


def step_variants(schema: dict) -> dict[str, dict]:
    """Return one variant per value of the form's first required choice, and "default"."""
    for name in schema.get("required", []):
        choices = (schema.get("properties", {}).get(name) or {}).get("enum")
        if choices:
            variants = {str(value): sample(schema, {name: value}) for value in choices}
            return {"default": variants[str(choices[0])], **variants}
    return {"default": sample(schema)}


def sample(schema: dict, chosen: dict | None = None) -> dict:
    """Return data valid for an object schema, with `chosen` values for some fields."""
    data = _object(schema, chosen or {})
    return data if isinstance(data, dict) else {}


def _object(schema: dict, chosen: dict) -> dict:
    properties = schema.get("properties", {})
    data: dict = {}
    needed = list(dict.fromkeys([*chosen, *schema.get("required", [])]))
    # Conditions may require more once a value is chosen: repeat until nothing is added.
    while True:
        for name in needed:
            if name not in data:
                data[name] = chosen[name] if name in chosen else _value(properties.get(name, {}))
        more = [name for name in _conditional_requirements(schema, data) if name not in data]
        if not more:
            return data
        needed += more


def _conditional_requirements(schema: dict, data: dict) -> list[str]:
    found = []
    for part in [schema, *schema.get("allOf", [])]:
        condition = part.get("if")
        if condition is None:
            continue
        branch = part.get("then") if Draft202012Validator(condition).is_valid(data) else \
            part.get("else")
        found += (branch or {}).get("required", [])
    return found


def _value(schema: dict):
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("examples"):
        return schema["examples"][0]
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        return _object(schema, {})
    if kind == "array":
        return [_value(schema.get("items", {})) for _ in range(schema.get("minItems", 1))]
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _text(schema)


def _number(schema: dict, kind: str):
    low = schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
    high = schema.get("maximum", schema.get("exclusiveMaximum", low + 2) - 1)
    value = max(low, min(1, high))
    return int(value) if kind == "integer" else value


def _text(schema: dict) -> str:
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    low, high = schema.get("minLength", 1), schema.get("maxLength", 200)
    text = (SAMPLE_TEXT * (1 + low // len(SAMPLE_TEXT)))[:max(low, min(len(SAMPLE_TEXT), high))]
    pattern = schema.get("pattern")
    if pattern is None or re.search(pattern, text):
        return text
    repeated = _repeated_digits(pattern)
    if repeated:
        return repeated
    return next((c for c in _PATTERN_CANDIDATES if re.search(pattern, c)), text)


def _repeated_digits(pattern: str) -> str | None:
    """Answer the common digit-run patterns (ID and phone numbers)."""
    match = re.fullmatch(r"\^?(?:\\d|\[0-9\])\{(\d+)(?:,\d*)?\}\$?", pattern)
    return "1" * int(match.group(1)) if match else None
