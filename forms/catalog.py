"""Load the JSON Schemas under forms/ and validate submitted step data against them."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

from jsonschema import FormatChecker

from forms.patterns import FormValidator, check_patterns

FORMS_DIR = Path(__file__).resolve().parent


class UnknownForm(KeyError):
    """No schema file exists for this form key."""


@dataclass(frozen=True)
class FieldProblem:
    """One problem of submitted data: the field, jsonschema's validator kind and its parameter.

    `kind` and `parameter` let a page say the problem in the reader's language
    (`maximum`, 10); `message` is jsonschema's English sentence, as the API returns it.
    """

    field: str
    message: str
    kind: str
    parameter: object = None


class SchemaSource(Protocol):
    """Where forms that are not files live, e.g. those published with procedure versions."""

    def get(self, key: str) -> dict | None:
        """Return the schema of a form, or None."""

    def keys(self) -> Iterable[str]:
        """Return every form key the source holds."""


class FormCatalog:
    """Every form under one folder, keyed by path without `.json` (`birth_registration/review`).

    Forms that are not files are added with `register`, or found on first use in
    `fallback`, a source the application wires to the database.
    """

    def __init__(self, root: Path = FORMS_DIR, *, fallback: SchemaSource | None = None):
        self.root = root
        self.fallback = fallback

    @cached_property
    def _validators(self) -> dict[str, FormValidator]:
        validators = {}
        for path in sorted(self.root.rglob("*.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            key = path.relative_to(self.root).with_suffix("").as_posix()
            validators[key] = _validator_of(key, schema)
        self._file_keys = frozenset(validators)
        return validators

    def keys(self) -> list[str]:
        """Return every form key: the files, the forms registered and those of the fallback."""
        extra = self.fallback.keys() if self.fallback is not None else ()
        return list(dict.fromkeys([*self._validators, *extra]))

    def __contains__(self, key: object) -> bool:
        """Tell whether a form exists, asking the fallback about keys not loaded yet."""
        try:
            self._validator(key)
        except UnknownForm:
            return False
        return True

    def register(self, key: str, schema: dict) -> None:
        """Add a form that is not a file; a file's form cannot be replaced by another schema."""
        validator = _validator_of(key, schema)
        current = self._validators.get(key)
        if current is not None and current.schema != schema and key in self._file_keys:
            raise ValueError(f"form '{key}' is the file forms/{key}.json; give the new form "
                             "another key")
        self._validators[key] = validator

    def schema(self, key: str) -> dict:
        """Return the JSON Schema of a form."""
        return self._validator(key).schema

    def field_errors(self, key: str, data: object) -> list[dict]:
        """Return one `{field, message}` per problem in `data`; empty when it is valid."""
        return [{"field": problem.field, "message": problem.message}
                for problem in self.field_problems(key, data)]

    def field_problems(self, key: str, data: object) -> list[FieldProblem]:
        """Return every problem in `data` with its validator kind, by field; empty when valid."""
        problems = {}
        for error in self._validator(key).iter_errors(data):
            path = "/".join(str(part) for part in error.absolute_path)
            for problem in _problems(error, path):
                problems.setdefault((problem.field, problem.message), problem)
        return [problems[found] for found in sorted(problems)]

    def _validator(self, key: str) -> FormValidator:
        validator = self._validators.get(key)
        if validator is not None:
            return validator
        schema = None
        if self.fallback is not None and isinstance(key, str):
            schema = self.fallback.get(key)
        if schema is None:
            raise UnknownForm(key)
        self.register(key, schema)
        return self._validators[key]


def _validator_of(key: str, schema: dict) -> FormValidator:
    """Check the schema, its patterns included, and return its validator."""
    FormValidator.check_schema(schema)
    check_patterns(key, schema)
    return FormValidator(schema, format_checker=FormatChecker())


def _problems(error, path: str) -> list[FieldProblem]:
    """Name the fields an error is about, so a form can mark them."""
    prefix = f"{path}/" if path else ""
    if error.validator == "required" and isinstance(error.instance, dict):
        return [FieldProblem(prefix + name, "is required", "required")
                for name in error.validator_value if name not in error.instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        return [FieldProblem(prefix + name, "is not a field of this form",
                             "additionalProperties")
                for name in error.instance if name not in allowed]
    return [FieldProblem(path, error.message, str(error.validator), error.validator_value)]
