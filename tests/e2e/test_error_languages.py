"""The API's error messages follow Accept-Language: Vietnamese unless English is preferred.

The code, status and details stay the same in every language; only `message` (and each
field's message) is said in the reader's language.
"""

import pytest

from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT, BIRTH, REVIEW_APPROVE, received

VIETNAMESE = {"Accept-Language": "vi-VN,vi;q=0.9"}
ENGLISH = {"Accept-Language": "en-GB,en;q=0.9,vi;q=0.5"}


@pytest.fixture
def review(http, staff) -> dict:
    """A birth registration's review step, claimed by an officer of OFFICE."""
    task = received(http, staff["reception"])["open_steps"][0]
    claim = http.post(f"/api/v1/tasks/{task['id']}/claim", headers=staff["office"].headers)
    assert claim.status_code == 200, claim.text
    return task


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    return response.json()["error"]


def test_the_same_refusal_is_said_in_vietnamese_or_english_with_the_same_code(
        http, staff, session, review):
    before = snapshot(session)
    url = f"/api/v1/tasks/{review['id']}/claim"

    in_vietnamese = error_of(http.post(url, headers={**staff["economic"].headers,
                                                     **VIETNAMESE}), 403)
    in_english = error_of(http.post(url, headers={**staff["economic"].headers, **ENGLISH}), 403)
    by_default = error_of(http.post(url, headers=staff["economic"].headers), 403)

    assert in_vietnamese["message"] == ("Bước này thuộc phòng ban OFFICE; bạn thuộc phòng ban "
                                        "ECONOMIC.")
    assert in_english["message"] == "This step belongs to department OFFICE; you are in ECONOMIC."
    assert by_default["message"] == in_vietnamese["message"]
    for error in (in_vietnamese, in_english, by_default):
        assert (error["status"], error["code"]) == (403, "not_permitted")
        assert error["details"] == {"reason": "other_department", "department": "OFFICE",
                                    "own_department": "ECONOMIC"}
    assert snapshot(session) == before


def test_a_role_in_a_refusal_is_named_in_the_readers_language(http, staff):
    body = {"procedure_code": BIRTH, "applicant": APPLICANT, "form_data": {}}

    in_vietnamese = error_of(http.post("/api/v1/dossiers", json=body,
                                       headers={**staff["office"].headers, **VIETNAMESE}), 403)
    in_english = error_of(http.post("/api/v1/dossiers", json=body,
                                    headers={**staff["office"].headers, **ENGLISH}), 403)

    assert in_vietnamese["message"] == ("Vai trò Chuyên viên không tiếp nhận hồ sơ; cán bộ "
                                        "tiếp nhận làm việc này.")
    assert in_english["message"].startswith("Your role (")
    assert in_vietnamese["details"] == in_english["details"] == {
        "reason": "receives_no_dossiers", "role": "officer"}


def test_a_wrong_enum_value_in_a_step_is_said_in_vietnamese_beside_its_field(
        http, staff, session, review):
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{review['id']}/complete",
                         json={"form_data": {**REVIEW_APPROVE, "review_decision": "maybe"}},
                         headers=staff["office"].headers)

    error = error_of(response, 422)
    assert error["code"] == "invalid_form_data"
    assert error["message"] == ("Dữ liệu không đúng biểu mẫu birth_registration/review: hãy sửa "
                                "các trường được liệt kê.")
    assert error["details"]["fields"] == [{"field": "review_decision", "code": "enum",
                                           "message": "Hãy chọn một trong các giá trị cho sẵn."}]
    assert snapshot(session) == before


def test_a_form_problem_is_said_in_english_when_the_client_prefers_it(http, staff, review):
    response = http.post(f"/api/v1/tasks/{review['id']}/complete",
                         json={"form_data": {**REVIEW_APPROVE, "personal_id_number": "12"}},
                         headers={**staff["office"].headers, **ENGLISH})

    error = error_of(response, 422)
    assert error["message"] == ("The data does not satisfy form birth_registration/review: fix "
                                "the fields listed.")
    messages = {(f["field"], f["code"], f["message"]) for f in error["details"]["fields"]}
    assert ("personal_id_number", "minLength", "At least 12 characters are needed.") in messages


def test_a_missing_required_field_is_said_in_vietnamese(http, staff, session):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", json={"procedure_code": BIRTH},
                         headers=staff["reception"].headers)

    error = error_of(response, 422)
    assert error["code"] == "invalid_request"
    assert error["message"] == ("Yêu cầu có trường không hợp lệ: hãy sửa các trường được "
                                "liệt kê.")
    assert {"field": "applicant", "message": "Trường này là bắt buộc."} in error["details"][
        "fields"]
    assert snapshot(session) == before


def test_a_missing_required_field_is_said_in_english_when_asked(http, staff):
    response = http.post("/api/v1/dossiers", json={"procedure_code": BIRTH},
                         headers={**staff["reception"].headers, **ENGLISH})

    error = error_of(response, 422)
    assert error["message"] == "The request has invalid fields: fix the fields listed."
    assert {"field": "applicant", "message": "This field is required."} in error["details"][
        "fields"]


@pytest.mark.parametrize("method, path, status, code, vietnamese, english", [
    ("GET", "/api/v1/no-such-thing", 404, "not_found",
     "Không có địa chỉ này; tài liệu OpenAPI liệt kê các địa chỉ.",
     "There is nothing at this URL; the OpenAPI document lists the paths."),
    ("DELETE", "/api/v1/procedures", 405, "method_not_allowed",
     "Địa chỉ này không nhận phương thức DELETE.", "This URL does not accept the DELETE method."),
    ("GET", "/api/v1/procedures", 401, "unauthenticated",
     "Hãy gửi 'Authorization: Bearer <token>'; lệnh `motcua user add` in ra token.",
     "Send 'Authorization: Bearer <token>'; `motcua user add` prints a token."),
], ids=["404", "405", "401"])
def test_http_errors_are_said_in_the_readers_language(http, method, path, status, code,
                                                      vietnamese, english):
    in_vietnamese = error_of(http.request(method, path, headers=VIETNAMESE), status)
    in_english = error_of(http.request(method, path, headers=ENGLISH), status)

    assert (in_vietnamese["code"], in_english["code"]) == (code, code)
    assert (in_vietnamese["message"], in_english["message"]) == (vietnamese, english)


def test_malformed_json_is_said_in_english_when_asked(http, staff):
    response = http.post("/api/v1/dossiers", content='{"procedure_code": "1.001193",',
                         headers={**staff["reception"].headers, **ENGLISH,
                                  "Content-Type": "application/json"})

    error = error_of(response, 400)
    assert error["message"] == ("The body is not valid JSON; send a JSON object with "
                                "Content-Type: application/json.")


def test_lang_in_the_query_picks_the_language_as_on_the_pages(http, staff):
    response = http.get("/api/v1/dossiers/NO-SUCH-CODE?lang=en",
                        headers={**staff["supervisor"].headers, **VIETNAMESE})

    error = error_of(response, 404)
    assert (error["code"], error["message"]) == ("dossier_not_found",
                                                 "No dossier has code NO-SUCH-CODE.")
