"""The shape of a procedure's fee rule (`fee` in procedure.json), checked by JSON Schema.

A rule has a `kind` and the fields that kind needs; README "Fee rules" shows each with an
example. Rules of the shape before fee rules were data (kinds `province_set`, `per_page`
with `first_pages`, `free` with `late_registration_vnd`) are refused here: migration 0020
rewrote the stored ones.
"""

from collections.abc import Iterator

from jsonschema import Draft202012Validator

FEE_KINDS = ("free", "flat", "per_page", "free_within_days")
COLLECT_AT = ("receipt", "supplement", "return")

_MONEY = {"type": "integer", "minimum": 0}
_TEXT = {"type": "string", "minLength": 1}
_KIND_NEEDS = {
    "flat": ["label_vi", "amount_vnd"],
    "per_page": ["label_vi", "tiers"],
    "free_within_days": ["label_vi", "date_field", "free_days", "amount_vnd"],
}
FEE_RULE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"enum": list(FEE_KINDS)},
        "collect_at": {"enum": list(COLLECT_AT)},
        "label_vi": _TEXT,
        "legal_basis_vi": {"type": "string"},
        "text_vi": {"type": "string"},
        "text_en": {"type": "string"},
        "amount_vnd": _MONEY,
        "tiers": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["from_page", "unit_vnd"],
            "properties": {"from_page": {"type": "integer", "minimum": 1},
                           "unit_vnd": _MONEY},
            "additionalProperties": False}},
        "max_per_copy_vnd": _MONEY,
        "date_field": _TEXT,
        "free_days": {"type": "integer", "minimum": 0},
        "exemptions": {
            "type": "object", "required": ["field", "allowed"],
            "properties": {"field": _TEXT, "allowed": {
                "type": "object", "minProperties": 1, "additionalProperties": _TEXT}},
            "additionalProperties": False},
    },
    "additionalProperties": False,
    "allOf": [{"if": {"properties": {"kind": {"const": kind}}, "required": ["kind"]},
               "then": {"required": needs}} for kind, needs in _KIND_NEEDS.items()],
}
_VALIDATOR = Draft202012Validator(FEE_RULE_SCHEMA)


def fee_rule_problems(rule: object) -> Iterator[str]:
    """Say what to fix in a fee rule, one sentence per problem, each naming where it is."""
    for error in sorted(_VALIDATOR.iter_errors(rule), key=lambda e: list(e.absolute_path)):
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                        for part in error.absolute_path)
        yield f"fee{where}: {error.message}{_HINTS.get(error.validator, '')}"
    if isinstance(rule, dict) and rule.get("kind") == "per_page" and _tiers_valid(rule):
        starts = [tier["from_page"] for tier in rule["tiers"]]
        if starts[0] != 1 or starts != sorted(set(starts)):
            yield (f"fee.tiers: the tiers start at pages {starts}; the first must start at "
                   "page 1 and each next one at a later page")


_HINTS = {
    "additionalProperties": f" (a rule has: {sorted(FEE_RULE_SCHEMA['properties'])}; see README "
                            "'Fee rules')",
    "required": f" (per kind: {_KIND_NEEDS})",
}


def _tiers_valid(rule: dict) -> bool:
    tiers = rule.get("tiers")
    return isinstance(tiers, list) and bool(tiers) and all(
        isinstance(tier, dict) and isinstance(tier.get("from_page"), int) for tier in tiers)
