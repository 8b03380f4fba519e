"""The server-side schema form: fields from the shipped forms, posted strings to typed data."""

import pytest
from flask import Flask
from flask_babel import Babel
from werkzeug.datastructures import MultiDict

from api.web.schema_form import coerce, field_messages, form_fields, readable
from forms import FormCatalog

CERTIFY = "certified_copy/certify"
INTAKE = "certified_copy/intake"


@pytest.fixture(scope="module")
def catalog() -> FormCatalog:
    return FormCatalog()


@pytest.fixture
def vietnamese():
    """A request in Vietnamese, the app's default language, for messages and dates."""
    app = Flask(__name__)
    Babel(app, default_locale="vi", default_timezone="Asia/Ho_Chi_Minh")
    with app.test_request_context():
        yield


def test_the_certify_form_reads_as_radio_choices_and_fields_required_by_the_choice(catalog):
    fields = {f.name: f for f in form_fields(catalog.schema(CERTIFY))}

    decision = fields["certify_decision"]
    assert decision.widget == "radio" and decision.required
    assert [c.title for c in decision.choices][0] == (
        "Bản sao đúng với bản chính: trình ký chứng thực")
    number = fields["certification_number"]
    assert not number.required
    assert [(c.field, c.value) for c in number.required_when] == [("certify_decision",
                                                                    "approve")]
    assert number.attributes == {"maxlength": 50}
    assert fields["missing_documents"].widget == "lines"
    assert fields["refusal_reason"].widget == "textarea"


def test_integers_keep_their_limits_and_dates_their_picker(catalog):
    fields = {f.name: f for f in form_fields(catalog.schema(INTAKE))}

    assert fields["pages"].widget == "integer"
    assert fields["pages"].attributes == {"min": 1, "max": 10000, "step": "1"}
    assert fields["document_issued_on"].widget == "date"


def test_posted_strings_become_the_schemas_types_and_empty_ones_are_left_out(catalog):
    posted = MultiDict({"document_title": " Bằng tốt nghiệp ", "pages": "3", "copies": "hai",
                        "document_number": ""})

    data = coerce(catalog.schema(INTAKE), posted)

    assert data == {"document_title": "Bằng tốt nghiệp", "pages": 3, "copies": "hai"}


def test_one_line_per_item_makes_a_list(catalog):
    posted = MultiDict({"certify_decision": "supplement",
                        "missing_documents": "Bản chính\r\n\r\nGiấy ủy quyền\r\n"})

    data = coerce(catalog.schema(CERTIFY), posted)

    assert data["missing_documents"] == ["Bản chính", "Giấy ủy quyền"]
    assert catalog.field_errors(CERTIFY, data) == []


def test_problems_are_said_in_vietnamese_beside_their_field(catalog, vietnamese):
    data = {"document_title": "Bằng", "pages": 0, "copies": "hai"}

    messages = field_messages(catalog.field_problems(INTAKE, data))

    assert messages == {"pages": ["Giá trị không được nhỏ hơn 1."],
                        "copies": ["Giá trị phải là số nguyên."]}


def test_submitted_data_reads_with_titles_and_local_dates(catalog, vietnamese):
    rows = readable(catalog.schema(INTAKE), {"document_title": "Bằng", "pages": 2,
                                             "document_issued_on": "2026-02-20"})

    assert rows == [("Tên giấy tờ, văn bản (bản chính)", "Bằng"), ("Ngày cấp", "20/02/2026"),
                    ("Số trang của bản chính", "2")]
