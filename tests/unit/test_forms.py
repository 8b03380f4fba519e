import json

import pytest
from jsonschema import Draft202012Validator

from forms import FormCatalog, UnknownForm
from forms.catalog import FORMS_DIR
from forms.patterns import PatternRefused

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES = sorted(FORMS_DIR.rglob("*.json"))
REVIEW = "birth_registration/review"
INTAKE = "certified_copy/intake"
VALID_INTAKE = {"document_title": "Bằng tốt nghiệp trung học phổ thông", "pages": 2, "copies": 3}


@pytest.fixture(scope="module")
def catalog() -> FormCatalog:
    return FormCatalog()


def _fields(errors: list[dict]) -> list[str]:
    return [error["field"] for error in errors]


@pytest.mark.parametrize("path", SCHEMA_FILES,
                         ids=[p.relative_to(FORMS_DIR).as_posix() for p in SCHEMA_FILES])
def test_every_schema_under_forms_is_a_valid_draft_2020_12_schema(path):
    schema = json.loads(path.read_text(encoding="utf-8"))

    Draft202012Validator.check_schema(schema)

    assert schema["$schema"] == DRAFT_2020_12
    assert schema["type"] == "object"


def test_the_catalog_holds_one_form_per_schema_file_keyed_by_its_path(catalog):
    expected = {p.relative_to(FORMS_DIR).with_suffix("").as_posix() for p in SCHEMA_FILES}

    keys = catalog.keys()

    assert sorted(keys) == sorted(expected)
    assert REVIEW in keys


def test_valid_data_gives_no_errors(catalog):
    errors = catalog.field_errors(INTAKE, VALID_INTAKE)

    assert errors == []


def test_a_missing_required_field_is_named(catalog):
    data = {key: value for key, value in VALID_INTAKE.items() if key != "pages"}

    errors = catalog.field_errors(INTAKE, data)

    assert errors == [{"field": "pages", "message": "is required"}]


def test_a_field_required_twice_by_the_schema_is_named_once(tmp_path):
    # Required at the top and again by a conditional: two validation errors, one field.
    (tmp_path / "probe.json").write_text(json.dumps({
        "$schema": DRAFT_2020_12,
        "type": "object",
        "properties": {"reason": {"type": "string"}, "kind": {"type": "string"}},
        "required": ["reason"],
        "allOf": [{"required": ["reason"]}],
    }), encoding="utf-8")
    catalog = FormCatalog(root=tmp_path)

    errors = catalog.field_errors("probe", {"kind": "x"})

    assert errors == [{"field": "reason", "message": "is required"}]


def test_every_missing_required_field_is_named_separately(catalog):
    errors = catalog.field_errors(INTAKE, {})

    assert _fields(errors) == ["copies", "document_title", "pages"]


def test_an_extra_field_is_named(catalog):
    data = {**VALID_INTAKE, "colour": "red"}

    errors = catalog.field_errors(INTAKE, data)

    assert errors == [{"field": "colour", "message": "is not a field of this form"}]


def test_a_value_outside_the_enum_is_named_with_the_allowed_values(catalog):
    errors = catalog.field_errors(REVIEW, {"review_decision": "maybe"})

    assert _fields(errors) == ["review_decision"]
    assert "'maybe'" in errors[0]["message"]
    assert "supplement" in errors[0]["message"]


def test_a_supplement_decision_requires_the_missing_documents(catalog):
    errors = catalog.field_errors(REVIEW, {"review_decision": "supplement"})

    assert errors == [{"field": "missing_documents", "message": "is required"}]


def test_a_supplement_decision_with_its_missing_documents_is_valid(catalog):
    data = {"review_decision": "supplement", "missing_documents": ["Giấy chứng sinh"]}

    errors = catalog.field_errors(REVIEW, data)

    assert errors == []


def test_an_approval_requires_the_register_entry(catalog):
    errors = catalog.field_errors(REVIEW, {"review_decision": "approve"})

    assert _fields(errors) == [
        "civil_register_book", "civil_register_entry_number", "personal_id_number",
    ]


def test_an_error_inside_a_list_names_the_item(catalog):
    data = {"review_decision": "supplement", "missing_documents": ["Giấy chứng sinh", ""]}

    errors = catalog.field_errors(REVIEW, data)

    assert _fields(errors) == ["missing_documents/1"]


def test_a_wrong_type_and_a_bad_date_are_named(catalog):
    data = {**VALID_INTAKE, "pages": "two", "document_issued_on": "2024-02-30"}

    errors = catalog.field_errors(INTAKE, data)

    assert _fields(errors) == ["document_issued_on", "pages"]


def test_data_that_is_not_an_object_is_reported_against_the_whole_form(catalog):
    errors = catalog.field_errors(INTAKE, ["pages", 2])

    assert _fields(errors) == [""]


def test_an_unknown_form_key_raises_unknown_form(catalog):
    with pytest.raises(UnknownForm) as caught:
        catalog.field_errors("certified_copy/no_such_step", {})

    assert caught.value.args == ("certified_copy/no_such_step",)


def test_asking_for_the_schema_of_an_unknown_form_raises_unknown_form(catalog):
    with pytest.raises(UnknownForm):
        catalog.schema("no_such_procedure/intake")


def test_a_backtracking_pattern_answers_at_once_on_a_long_input():
    catalog = FormCatalog()
    catalog.register("test/greedy", {"type": "object",
                                     "properties": {"code": {"pattern": "^(a|a)+$"}}})

    errors = catalog.field_errors("test/greedy", {"code": "a" * 10_000 + "b"})

    assert _fields(errors) == ["code"]
    assert catalog.field_errors("test/greedy", {"code": "a" * 10_000}) == []


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        ({"properties": {"pin": {"pattern": "^(?!0000)[0-9]{4}$"}}},
         r"form 'test/pin', field 'pin': the pattern .* \(invalid perl operator: \(\?!\)"),
        ({"properties": {"twice": {"pattern": "^(a)\\1$"}}},
         r"field 'twice': .*without backreferences"),
        ({"properties": {"inner": {"properties": {"code": {"pattern": "(?<=x)y"}}}}},
         "field 'inner/code'"),
        ({"patternProperties": {"^x_": {"type": "string"}}},
         r"field '\(the form\)': 'patternProperties' is not supported"),
    ],
)
def test_a_form_whose_patterns_re2_cannot_run_is_refused_when_registered(schema, message):
    catalog = FormCatalog()

    with pytest.raises(PatternRefused, match=message):
        catalog.register("test/pin", {"type": "object", **schema})

    assert "test/pin" not in catalog
