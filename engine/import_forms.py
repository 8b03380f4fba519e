"""The JSON Schema forms an imported model needs: one per step, and the intake form.

A step's form is empty but valid: the designer fills it. The intake form holds the variables
the model's conditions read, so a dossier (and a trial run) can take every branch.
"""

import re

from engine.folding import identifier

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def slug(text: str) -> str:
    """Return a lower-case identifier for a file or form name: letters, digits, underscores."""
    return identifier(text) or "x"


def form_key_of(folder: str, camunda_form_key: str | None, step_id: str) -> str:
    """Name a step's form after Camunda's formKey (its last path part), else after the step."""
    if camunda_form_key:
        last = re.split(r"[:/]", camunda_form_key.strip())[-1]
        return f"{folder}/{slug(last.rsplit('.', 1)[0])}"
    return f"{folder}/{slug(step_id)}"


def empty_form(title: str) -> dict:
    """Return a valid form without fields, for the designer to fill."""
    return {"$schema": SCHEMA_DIALECT, "title": title, "type": "object", "properties": {},
            "additionalProperties": False}


def intake_form(title: str, variables: dict[str, list]) -> dict:
    """Return the intake form asking for every variable the conditions compare.

    `variables` maps a (possibly dotted) name to the literals it is compared with; a field
    compared with strings becomes a choice among them, with booleans a yes/no, with numbers
    a number whose example is the first one compared.
    """
    form = empty_form(title)
    for name, literals in sorted(variables.items()):
        *parents, leaf = name.split(".")
        target = form
        for parent in parents:
            target["required"] = sorted({*target.get("required", []), parent})
            target = target["properties"].setdefault(
                parent, {"type": "object", "title": parent, "properties": {}})
        target["properties"][leaf] = _field(leaf, literals)
        target["required"] = sorted({*target.get("required", []), leaf})
    return form


def _field(name: str, literals: list) -> dict:
    if literals and all(isinstance(v, bool) for v in literals):
        return {"type": "boolean", "title": name}
    if literals and all(isinstance(v, int | float) and not isinstance(v, bool) for v in literals):
        return {"type": "number", "title": name, "examples": literals}
    strings = [v for v in literals if isinstance(v, str)]
    if strings:
        return {"type": "string", "title": name, "enum": strings}
    return {"type": "string", "title": name}
