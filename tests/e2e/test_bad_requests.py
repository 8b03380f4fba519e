"""Refused requests answer with one error shape and leave the database exactly as it was."""

import pytest

from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT, BIRTH, REVIEW_APPROVE, received


@pytest.fixture
def claimed_review(http, staff):
    dossier = received(http, staff["reception"])
    task = dossier["open_steps"][0]
    response = http.post(f"/api/v1/tasks/{task['id']}/claim", headers=staff["office"].headers)
    assert response.status_code == 200
    return task


def assert_refused(response, status: int, code: str):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert error["message"]
    return error


def test_claiming_a_step_someone_else_holds_is_a_409_that_changes_nothing(
        http, staff, session, claimed_review):
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{claimed_review['id']}/claim",
                         headers=staff["office2"].headers)

    error = assert_refused(response, 409, "task_already_claimed")
    assert error["details"]["assignee"] == "office"
    assert snapshot(session) == before


def test_completing_a_step_claimed_by_someone_else_is_a_409_that_changes_nothing(
        http, staff, session, claimed_review):
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{claimed_review['id']}/complete",
                         json={"form_data": REVIEW_APPROVE}, headers=staff["office2"].headers)

    assert_refused(response, 409, "task_not_claimed_by_caller")
    assert snapshot(session) == before


def test_completing_an_unclaimed_step_is_a_409_that_changes_nothing(http, staff, session):
    task = received(http, staff["reception"])["open_steps"][0]
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{task['id']}/complete",
                         json={"form_data": REVIEW_APPROVE}, headers=staff["office"].headers)

    assert_refused(response, 409, "task_not_claimed_by_caller")
    assert snapshot(session) == before


def test_claiming_another_departments_step_is_a_403_that_changes_nothing(http, staff, session):
    task = received(http, staff["reception"])["open_steps"][0]
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{task['id']}/claim", headers=staff["economic"].headers)

    assert_refused(response, 403, "not_permitted")
    assert snapshot(session) == before


def test_invalid_form_data_is_a_422_listing_each_field_and_changes_nothing(
        http, staff, session, claimed_review):
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{claimed_review['id']}/complete",
                         json={"form_data": {"review_decision": "approve", "colour": "red"}},
                         headers=staff["office"].headers)

    error = assert_refused(response, 422, "invalid_form_data")
    fields = {f["field"] for f in error["details"]["fields"]}
    assert fields == {"civil_register_book", "civil_register_entry_number",
                      "personal_id_number", "colour"}
    assert snapshot(session) == before


def test_invalid_intake_data_is_a_422_and_no_dossier_is_created(http, staff, session):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", headers=staff["reception"].headers, json={
        "procedure_code": BIRTH, "applicant": APPLICANT,
        "form_data": {"child_full_name": "X", "child_sex": "other"}})

    error = assert_refused(response, 422, "invalid_form_data")
    fields = {f["field"] for f in error["details"]["fields"]}
    assert {"child_sex", "child_date_of_birth", "mother_full_name"} <= fields
    assert snapshot(session) == before


def test_unknown_procedure_is_a_404_and_no_dossier_is_created(http, staff, session):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", headers=staff["reception"].headers,
                         json={"procedure_code": "9.999999", "applicant": APPLICANT})

    error = assert_refused(response, 404, "procedure_not_found")
    assert "9.999999" in error["message"]
    assert snapshot(session) == before


def test_malformed_json_is_a_400_and_changes_nothing(http, staff, session):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", content='{"procedure_code": "1.001193",',
                         headers={**staff["reception"].headers,
                                  "Content-Type": "application/json"})

    error = assert_refused(response, 400, "bad_request")
    assert "JSON" in error["message"]
    assert snapshot(session) == before


def test_a_missing_applicant_is_a_422_naming_the_field(http, staff, session):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", headers=staff["reception"].headers,
                         json={"procedure_code": BIRTH,
                               "applicant": {"full_name": "", "id_number": "12ab"}})

    error = assert_refused(response, 422, "invalid_request")
    fields = {f["field"] for f in error["details"]["fields"]}
    assert fields == {"applicant.full_name", "applicant.id_number"}
    assert snapshot(session) == before


def test_a_request_without_a_token_is_a_401_and_changes_nothing(http, session):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", json={"procedure_code": BIRTH})

    assert_refused(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(session) == before


def test_a_revoked_or_made_up_token_is_a_401(http, staff, session):
    response = http.get("/api/v1/dossiers", headers={"Authorization": "Bearer mc_made-up"})

    assert_refused(response, 401, "unauthenticated")


def test_an_officer_cannot_receive_dossiers(http, staff, session):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", headers=staff["office"].headers,
                         json={"procedure_code": BIRTH, "applicant": APPLICANT})

    assert_refused(response, 403, "not_permitted")
    assert snapshot(session) == before


def test_an_unknown_step_is_a_404(http, staff):
    response = http.post("/api/v1/tasks/999999/claim", headers=staff["office"].headers)

    assert_refused(response, 404, "task_not_found")


@pytest.mark.parametrize("path,authenticated,status", [
    ("/api/v1/procedures", True, 200),
    ("/api/v1/procedures", False, 401),
    ("/api/v1/dossiers/NO-SUCH-CODE", True, 404),
    ("/api/openapi.json", False, 200),
    ("/designer", False, 302),  # signed out: to the sign-in page
])
def test_every_response_forbids_content_sniffing(http, staff, path, authenticated, status):
    headers = staff["reception"].headers if authenticated else {}

    response = http.get(path, headers=headers)

    assert response.status_code == status, response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path,statuses", [
    ("/api/v1/tasks/{task_id}/claim", {"403", "404", "409"}),
    ("/api/v1/tasks/{task_id}/complete", {"403", "404", "409", "422"}),
    ("/api/v1/dossiers", {"403", "404", "422"}),
])
def test_the_openapi_document_lists_each_refusal_in_the_error_shape(http, path, statuses):
    responses = http.get("/api/openapi.json").json()["paths"][path]["post"]["responses"]

    assert statuses <= responses.keys()
    for status in statuses:
        assert responses[status]["description"]
        assert responses[status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}
