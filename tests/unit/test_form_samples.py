"""Trial data generated from a form is valid for it, and each choice gives a variant."""

import pytest

from engine.form_samples import SAMPLE_DATE, generate_samples, sample, step_variants
from forms import FormCatalog

CATALOG = FormCatalog()


@pytest.mark.parametrize("key", sorted(CATALOG.keys()))
def test_every_shipped_form_gets_valid_data_for_each_of_its_choices(key):
    schema = CATALOG.schema(key)

    variants = step_variants(schema)

    assert "default" in variants
    for data in variants.values():
        assert CATALOG.field_errors(key, data) == []


def test_a_choice_gives_one_variant_per_value_and_its_conditional_requirements():
    variants = step_variants(CATALOG.schema("certified_copy/certify"))

    assert sorted(variants) == ["approve", "default", "refuse", "supplement"]
    assert variants["default"] == variants["approve"]
    assert {"certification_book_number", "certification_number"} <= set(variants["approve"])
    assert variants["supplement"]["missing_documents"]
    assert len(variants["refuse"]["refusal_reason"]) >= 5


def test_formats_patterns_and_limits_are_respected():
    schema = {"type": "object", "required": ["born", "id", "count", "ok", "kind"], "properties": {
        "born": {"type": "string", "format": "date"},
        "id": {"type": "string", "pattern": "^[0-9]{12}$"},
        "count": {"type": "integer", "minimum": 3, "maximum": 9},
        "ok": {"type": "boolean"},
        "kind": {"enum": ["a", "b"]},
        "optional": {"type": "string"}}}

    data = sample(schema)

    assert data == {"born": SAMPLE_DATE, "id": "1" * 12, "count": 3, "ok": True, "kind": "a"}


def test_unknown_forms_give_empty_data():
    samples = generate_samples(lambda key: None, intake_form="x/intake", step_forms={"s": "x/s"})

    assert samples == {"intake": {}, "steps": {"s": {"default": {}}}}
