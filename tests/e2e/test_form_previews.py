"""A designer previews a form as the officer's step page will show it, and reads published ones."""

import json

from forms.catalog import FORMS_DIR
from tests.conftest import snapshot

PREVIEW = "/api/v1/forms/preview"
KEY = "certified_copy/certify_2"
SCHEMA = {
    "type": "object", "title": "Đối chiếu và ghi lời chứng",
    "properties": {
        "decision": {"type": "string", "title": "Kết quả xử lý", "enum": ["approve", "refuse"],
                     "x-enum-titles": {"approve": "Đồng ý chứng thực", "refuse": "Từ chối"}},
        "refusal_reason": {"type": "string", "title": "Lý do từ chối", "maxLength": 2000},
        "pages": {"type": "integer", "title": "Số trang", "minimum": 1},
    },
    "required": ["decision"],
    "allOf": [{"if": {"properties": {"decision": {"const": "refuse"}}, "required": ["decision"]},
               "then": {"required": ["refusal_reason"]}}],
}


def test_the_preview_renders_titles_choices_and_conditions_as_the_step_page_does(http, staff):
    response = http.post(PREVIEW, headers=staff["designer"].headers,
                         json={"key": KEY, "schema": SCHEMA})

    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/html")
    html = response.text
    assert "<h2>Đối chiếu và ghi lời chứng</h2>" in html
    assert 'type="radio" name="decision" value="approve"' in html
    assert "Đồng ý chứng thực" in html and "Từ chối" in html
    assert "Bắt buộc khi Kết quả xử lý là “Từ chối”." in html
    assert '<textarea id="f-refusal_reason"' in html
    assert 'type="number"' in html and 'min="1"' in html
    assert 'data-testid="field-pages"' in html


def test_the_preview_speaks_english_to_a_reader_who_asks(http, staff):
    response = http.post(PREVIEW, headers={**staff["designer"].headers, "Accept-Language": "en"},
                         json={"key": KEY, "schema": SCHEMA})

    assert "Required when Kết quả xử lý is “Từ chối”." in response.text
    assert "Required field" in response.text


def test_a_schema_that_would_stop_publication_is_refused_with_its_problems(http, staff, session):
    before = snapshot(session)
    schema = {"type": "object", "properties": {
        "code": {"type": "string", "pattern": "^(?=.*[0-9])[A-Z0-9]+$"}}}

    refused = http.post(PREVIEW, headers=staff["designer"].headers,
                        json={"key": KEY, "schema": schema})
    not_a_schema = http.post(PREVIEW, headers=staff["designer"].headers,
                             json={"key": KEY, "schema": {"type": "no-such-type"}})
    bad_key = http.post(PREVIEW, headers=staff["designer"].headers,
                        json={"key": "../etc", "schema": SCHEMA})
    unshowable = http.post(PREVIEW, headers=staff["designer"].headers,
                           json={"key": KEY, "schema": {"properties": {"a": True}}})

    assert [r.status_code for r in (refused, not_a_schema, bad_key, unshowable)] == [422] * 4
    assert "cannot be shown to officers" in unshowable.text
    error = refused.json()["error"]
    assert error["code"] == "form_invalid"
    assert error["message"] == f"Biểu mẫu {KEY} có lỗi: hãy sửa các lỗi được liệt kê."
    [problem] = error["details"]["problems"]
    assert problem["element"] == f"forms.{KEY}" and "lookarounds" in problem["message"]
    assert "not a valid JSON Schema" in not_a_schema.json()["error"]["details"]["problems"][0][
        "message"]
    assert bad_key.json()["error"]["details"]["problems"][0]["element"] == "forms.../etc"
    assert snapshot(session) == before


def test_only_designers_preview_and_a_body_without_a_schema_is_refused(http, staff):
    officer = http.post(PREVIEW, headers=staff["office"].headers,
                        json={"key": KEY, "schema": SCHEMA})
    missing = http.post(PREVIEW, headers=staff["designer"].headers, json={"key": KEY})

    assert officer.status_code == 403
    assert missing.status_code == 422
    assert missing.json()["error"]["details"]["fields"][0]["field"] == "schema"


def test_a_published_form_is_read_by_its_key_and_an_unknown_one_is_not_found(http, staff):
    certify = http.get("/api/v1/forms/certified_copy/certify", headers=staff["designer"].headers)
    unknown = http.get("/api/v1/forms/certified_copy/nope", headers=staff["designer"].headers)

    assert certify.status_code == 200
    assert certify.json() == {"key": "certified_copy/certify", "schema": json.loads(
        (FORMS_DIR / "certified_copy/certify.json").read_text(encoding="utf-8"))}
    assert unknown.status_code == 404
    assert unknown.json()["error"]["details"]["reason"] == "unknown_form"

