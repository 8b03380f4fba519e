"""Load the JSON Schemas under forms/ and validate submitted step data against them."""

import json
from functools import cached_property
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

FORMS_DIR = Path(__file__).resolve().parent


class UnknownForm(KeyError):
    """No schema file exists for this form key."""


class FormCatalog:
    """Every form under one folder, keyed by path without `.json` (`birth_registration/review`)."""

    def __init__(self, root: Path = FORMS_DIR):
        self.root = root

    @cached_property
    def _validators(self) -> dict[str, Draft202012Validator]:
        validators = {}
        for path in sorted(self.root.rglob("*.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
            key = path.relative_to(self.root).with_suffix("").as_posix()
            validators[key] = Draft202012Validator(schema, format_checker=FormatChecker())
        return validators

    def keys(self) -> list[str]:
        """Return every form key."""
        return list(self._validators)

    def schema(self, key: str) -> dict:
        """Return the JSON Schema of a form."""
        return self._validator(key).schema

    def field_errors(self, key: str, data: object) -> list[dict]:
        """Return one `{field, message}` per problem in `data`; empty when it is valid."""
        problems = set()
        for error in self._validator(key).iter_errors(data):
            path = "/".join(str(part) for part in error.absolute_path)
            problems.update(_problems(error, path))
        return [{"field": field, "message": message} for field, message in sorted(problems)]

    def _validator(self, key: str) -> Draft202012Validator:
        try:
            return self._validators[key]
        except KeyError:
            raise UnknownForm(key) from None


def _problems(error, path: str) -> list[tuple[str, str]]:
    """Name the fields an error is about, so a form can mark them."""
    prefix = f"{path}/" if path else ""
    if error.validator == "required" and isinstance(error.instance, dict):
        return [(prefix + name, "is required") for name in error.validator_value
                if name not in error.instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        return [(prefix + name, "is not a field of this form") for name in error.instance
                if name not in allowed]
    return [(path, error.message)]
