"""Render a step's JSON Schema as an HTML form on the server, and read the form back.

One module for every page with a schema form (the department's steps, later the reception's
intake): the fields with their Vietnamese titles and `x-enum-titles`, the fields an
`allOf` of `if`/`then` makes required, the posted strings coerced to the schema's types,
and jsonschema's problems by field, said in the reader's language (api/form_problems.py).
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from api.form_problems import problem_message
from api.formatting import local_date
from forms.catalog import FieldProblem

# Enums with this many choices or fewer are radio buttons, longer ones a select.
MAX_RADIOS = 4
# Strings allowed to be longer than this are written in a text area.
LONG_TEXT = 300


@dataclass(frozen=True)
class Choice:
    """One value of an enum and what the person reads for it."""

    value: object
    title: str


@dataclass(frozen=True)
class Condition:
    """A field is required when another field holds a value: one `if`/`then` of the schema."""

    field: str
    field_title: str
    value: object
    value_title: str


@dataclass(frozen=True)
class FormField:
    """One input of the form, ready for the template."""

    name: str
    title: str
    description: str | None
    widget: str  # text, textarea, integer, number, checkbox, date, radio, select, lines
    required: bool
    choices: list[Choice] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)
    required_when: list[Condition] = field(default_factory=list)


def form_fields(schema: dict) -> list[FormField]:
    """Return the inputs of a form schema in the order of its properties."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    conditions = _conditions(schema)
    return [_field(name, spec, name in required, conditions.get(name, []))
            for name, spec in properties.items()]


def _field(name: str, spec: dict, required: bool, when: list[Condition]) -> FormField:
    kind = spec.get("type")
    attributes = {}
    choices = [Choice(value, choice_title(spec, value)) for value in spec.get("enum", [])]
    if choices:
        widget = "radio" if len(choices) <= MAX_RADIOS else "select"
    elif kind == "boolean":
        widget = "checkbox"
    elif kind in ("integer", "number"):
        widget = kind
        attributes = {"min": spec.get("minimum"), "max": spec.get("maximum"),
                      "step": "1" if kind == "integer" else "any"}
    elif kind == "array":
        widget = "lines"
    elif spec.get("format") == "date":
        widget = "date"
    else:
        long = spec.get("maxLength", LONG_TEXT + 1) > LONG_TEXT
        widget = "textarea" if long else "text"
        attributes = {"maxlength": spec.get("maxLength"), "pattern": spec.get("pattern")}
    attributes = {key: value for key, value in attributes.items() if value is not None}
    return FormField(name=name, title=spec.get("title", name),
                     description=spec.get("description"), widget=widget, required=required,
                     choices=choices, attributes=attributes, required_when=when)


def _conditions(schema: dict) -> dict[str, list[Condition]]:
    """Read the `allOf` rules "when field X is V, fields Y and Z are required"."""
    found: dict[str, list[Condition]] = {}
    properties = schema.get("properties", {})
    for rule in schema.get("allOf", []):
        tests = rule.get("if", {}).get("properties", {})
        for controlling, test in tests.items():
            if "const" not in test:
                continue
            spec = properties.get(controlling, {})
            condition = Condition(controlling, spec.get("title", controlling), test["const"],
                                  choice_title(spec, test["const"]))
            for name in rule.get("then", {}).get("required", []):
                found.setdefault(name, []).append(condition)
    return found


def choice_title(spec: dict, value: object) -> str:
    """Return what a person reads for an enum value: its `x-enum-titles` entry, else itself."""
    return str(spec.get("x-enum-titles", {}).get(value, value))


def coerce(schema: dict, posted) -> dict:
    """Turn a posted form (a MultiDict of strings) into data of the schema's types.

    Empty inputs are left out, so `required` speaks for them; a string that is no number
    stays a string, so the schema's `type` rule reports it.
    """
    data = {}
    for name, spec in schema.get("properties", {}).items():
        kind = spec.get("type")
        if kind == "boolean":
            data[name] = posted.get(name) == "true"
            continue
        raw = posted.get(name, "").strip()
        if not raw:
            continue
        if kind == "array":
            lines = [line.strip() for line in raw.splitlines() if line.strip()]
            if lines:
                data[name] = lines
        elif kind == "integer":
            data[name] = _number(raw, int)
        elif kind == "number":
            data[name] = _number(raw.replace(",", "."), float)
        else:
            data[name] = raw
    return data


def _number(raw: str, kind):
    try:
        return kind(raw)
    except ValueError:
        return raw


def posted_values(schema: dict, data: dict) -> dict[str, str]:
    """Return the values to put back in the inputs, as the person typed them."""
    values = {}
    for name, value in data.items():
        if schema.get("properties", {}).get(name, {}).get("type") == "array":
            values[name] = "\n".join(str(line) for line in value)
        else:
            values[name] = value
    return values


def readable(schema: dict, data: dict) -> list[tuple[str, str]]:
    """Return submitted data as (title, value) rows: enum titles, dates as dd/mm/yyyy."""
    rows = []
    for name, spec in schema.get("properties", {}).items():
        if name not in data:
            continue
        value = data[name]
        title = spec.get("title", name)
        if spec.get("type") == "object" and isinstance(value, dict):
            rows += [(f"{title}: {inner}", shown) for inner, shown in readable(spec, value)]
        else:
            rows.append((title, _shown(spec, value)))
    return rows


def _shown(spec: dict, value) -> str:
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, list):
        return "; ".join(_shown(spec.get("items", {}), item) for item in value)
    if "enum" in spec:
        return choice_title(spec, value)
    if spec.get("format") == "date" and isinstance(value, str):
        try:
            return local_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def field_messages(problems: list[FieldProblem]) -> dict[str, list[str]]:
    """Return each field's problems in the reader's language, keyed by its top-level name."""
    messages: dict[str, list[str]] = {}
    for problem in problems:
        name = problem.field.split("/", 1)[0]
        messages.setdefault(name, []).append(problem_message(problem))
    return messages
