"""Hostile clients get a clear 4xx in the one error shape, and the database stays as it was."""

import json
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select, text, update

from engine.models import Dossier, User
from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT, BIRTH, BIRTH_INTAKE, REVIEW_APPROVE, received
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

MAX_BODY = 1024 * 1024  # MOTCUA_MAX_BODY_BYTES' default
# Would leave this file behind if any value were ever run as code.
CANARY = Path(f"/tmp/motcua-canary-{uuid.uuid4().hex}")
INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE dossiers; --",
    "<script>alert(1)</script>",
    "__import__('os').system('id')",
    f"__import__('os').system('touch {CANARY}')",
]
INJECTION_IDS = ["or-1-1", "drop-table", "script-tag", "python-id", "python-touch"]
COPY = PROCEDURE_CODES["certified_copy"]
RECEIPT = {"procedure_code": BIRTH, "applicant": APPLICANT, "form_data": BIRTH_INTAKE}
# Every string field of a receipt, as a path into the body; free text must be kept as typed.
FREE_TEXT = [("applicant", "full_name"), ("applicant", "address"),
             ("form_data", "child_full_name"), ("form_data", "child_place_of_birth"),
             ("form_data", "mother_full_name")]
CHECKED_TEXT = [("applicant", "id_number"), ("applicant", "phone"), ("applicant", "email"),
                ("procedure_code",), ("form_data", "child_date_of_birth"),
                ("form_data", "child_sex")]


def assert_refused(response, *statuses: int) -> dict:
    """Check the answer is one of the statuses, in the one error shape; return the error."""
    assert response.status_code in statuses, response.text
    assert response.headers["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"status", "code", "message", "details"}
    assert error["status"] == response.status_code
    assert error["code"] and error["message"]
    return error


def dossier_count(session) -> int:
    """Count dossiers with plain SQL: it also proves the table is still there."""
    count = session.execute(text("SELECT count(*) FROM dossiers")).scalar_one()
    session.commit()
    return count


def with_value(body: dict, path: tuple, value) -> dict:
    """Return a copy of the body with the field at `path` set to `value`."""
    body = json.loads(json.dumps(body))
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def value_at(body: dict, path: tuple):
    for key in path:
        body = body[key]
    return body


@pytest.fixture
def json_headers(staff) -> dict:
    return {**staff["reception"].headers, "Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def nothing_ran_as_code():
    yield
    assert not CANARY.exists(), "a submitted value was executed"


# Bodies


def test_a_body_over_the_limit_is_a_413_and_changes_nothing(http, json_headers, session):
    body = json.dumps(RECEIPT).encode() + b" " * MAX_BODY  # valid JSON, only too long
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", content=body, headers=json_headers)

    assert assert_refused(response, 413)["code"] == "body_too_large"
    assert snapshot(session) == before


def test_a_streamed_body_over_the_limit_is_a_413_and_changes_nothing(
        http, json_headers, session):
    def chunks():
        yield json.dumps(RECEIPT).encode()
        for _ in range(MAX_BODY // 65536 + 1):
            yield b" " * 65536
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", content=chunks(), headers=json_headers)

    assert assert_refused(response, 413)["code"] == "body_too_large"
    assert snapshot(session) == before


def test_a_streamed_body_within_the_limit_is_received_whole(http, json_headers, session):
    def chunks():
        yield json.dumps(RECEIPT).encode()
        yield b" " * (MAX_BODY // 2)

    response = http.post("/api/v1/dossiers", content=chunks(), headers=json_headers)

    assert response.status_code == 201, response.text
    code = response.json()["code"]
    assert session.scalar(select(Dossier.id).where(Dossier.code == code)) is not None


DEEP = 100_000


@pytest.mark.parametrize("body", [
    b"[" * DEEP,
    b"[" * DEEP + b"]" * DEEP,
    b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    json.dumps(RECEIPT)[:-1].encode() + b', "extra": ' + b"[" * DEEP + b"]" * DEEP + b"}",
], ids=["unclosed-arrays", "closed-arrays", "objects", "inside-a-receipt"])
def test_json_nested_a_hundred_thousand_levels_deep_is_refused_and_the_server_carries_on(
        http, json_headers, staff, session, body):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", content=body, headers=json_headers)

    assert_refused(response, 400, 422)
    assert snapshot(session) == before
    assert http.get("/api/v1/procedures", headers=staff["reception"].headers).status_code == 200


@pytest.mark.parametrize("body", [
    b'{"procedure_code": "\xff\xfe"}',
    b'{"procedure_code": "\xc0\xaf"}',  # an overlong '/'
    b'{"procedure_code": "\xed\xa0\x80"}',  # a UTF-8-encoded surrogate
    json.dumps(RECEIPT, ensure_ascii=False).encode("utf-16"),
    json.dumps(RECEIPT, ensure_ascii=False).encode("cp1258", errors="replace"),
], ids=["ff-fe", "overlong", "surrogate", "utf-16", "windows-1258"])
def test_a_body_that_is_not_utf8_is_a_400_and_changes_nothing(
        http, json_headers, session, body):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", content=body, headers=json_headers)

    assert assert_refused(response, 400)["code"] == "bad_request"
    assert snapshot(session) == before


NOT_OBJECTS = [[], [RECEIPT], "1.001193", 42, 4.2, None, True]


def test_a_receipt_that_is_json_but_not_an_object_is_refused_and_changes_nothing(
        http, json_headers, session, subtests):
    before = snapshot(session)

    for body in NOT_OBJECTS:
        with subtests.test(body=body):
            response = http.post("/api/v1/dossiers", content=json.dumps(body),
                                 headers=json_headers)

            assert_refused(response, 400, 422)
            assert snapshot(session) == before


def test_step_data_that_is_not_an_object_is_refused_and_changes_nothing(
        http, staff, session, subtests):
    task = received(http, staff["reception"])["open_steps"][0]
    claimed = http.post(f"/api/v1/tasks/{task['id']}/claim", headers=staff["office"].headers)
    assert claimed.status_code == 200
    headers = {**staff["office"].headers, "Content-Type": "application/json"}
    before = snapshot(session)

    for body in NOT_OBJECTS + [{"form_data": value} for value in NOT_OBJECTS]:
        with subtests.test(body=body):
            response = http.post(f"/api/v1/tasks/{task['id']}/complete",
                                 content=json.dumps(body), headers=headers)

            assert_refused(response, 400, 422)
            assert snapshot(session) == before


# Injection


@pytest.mark.parametrize("field", FREE_TEXT, ids=".".join)
def test_injection_in_free_text_is_stored_verbatim_and_returned_as_json(
        http, staff, session, subtests, field):
    for value in INJECTIONS:
        with subtests.test(value=value):
            count = dossier_count(session)

            response = http.post("/api/v1/dossiers", json=with_value(RECEIPT, field, value),
                                 headers=staff["reception"].headers)

            assert response.status_code == 201, response.text
            shown = http.get(f"/api/v1/dossiers/{response.json()['code']}",
                             headers=staff["supervisor"].headers)
            assert shown.headers["Content-Type"] == "application/json"
            assert value_at(shown.json(), field) == value
            assert json.dumps(value, ensure_ascii=False)[1:-1] in shown.text  # a JSON string
            assert dossier_count(session) == count + 1


@pytest.mark.parametrize("field", CHECKED_TEXT + [("form_data", "'; DROP TABLE dossiers; --")],
                         ids=".".join)
def test_injection_in_checked_fields_is_a_4xx_that_changes_nothing(
        http, staff, session, subtests, field):
    before = snapshot(session)

    for value in INJECTIONS:
        with subtests.test(value=value):
            response = http.post("/api/v1/dossiers", json=with_value(RECEIPT, field, value),
                                 headers=staff["reception"].headers)

            assert_refused(response, 404, 422)
            assert snapshot(session) == before
            assert dossier_count(session) == 0


def test_injection_in_step_data_is_a_422_that_changes_nothing(http, staff, session, subtests):
    task = received(http, staff["reception"])["open_steps"][0]
    claimed = http.post(f"/api/v1/tasks/{task['id']}/claim", headers=staff["office"].headers)
    assert claimed.status_code == 200
    before = snapshot(session)

    for value in INJECTIONS:
        with subtests.test(value=value):
            response = http.post(f"/api/v1/tasks/{task['id']}/complete",
                                 json={"form_data": {key: value for key in REVIEW_APPROVE}},
                                 headers=staff["office"].headers)

            assert assert_refused(response, 422)["code"] == "invalid_form_data"
            assert snapshot(session) == before


@pytest.mark.parametrize("value", INJECTIONS, ids=INJECTION_IDS)
def test_injection_in_path_and_query_parameters_matches_nothing_and_changes_nothing(
        http, staff, session, value):
    dossier = received(http, staff["reception"])
    task_id = dossier["open_steps"][0]["id"]
    part = quote(value, safe="")
    supervisor, office = staff["supervisor"].headers, staff["office"].headers
    before = snapshot(session)

    not_found = [
        http.get(f"/api/v1/dossiers/{part}", headers=supervisor),
        http.get(f"/api/v1/dossiers/{part}/history", headers=supervisor),
        http.get(f"/api/v1/dossiers/{part}/control-sheet", headers=supervisor),
        http.get(f"/api/v1/dossiers/{part}/apology", headers=supervisor),
        http.get(f"/api/v1/procedures/{part}", headers=supervisor),
        http.get(f"/api/v1/procedures/{part}/versions", headers=staff["designer"].headers),
        http.get(f"/api/v1/public/dossiers/{part}", headers={"X-Dossier-PIN": "123456"}),
        http.get(f"/api/v1/tasks/{part}", headers=office),
        http.post(f"/api/v1/tasks/{part}/claim", headers=office),
    ]
    invalid = [
        http.post(f"/api/v1/public/dossiers/{dossier['code']}/lookup", json={"pin": value}),
        http.get(f"/api/v1/calendar/days/{quote(value.replace('/', ''), safe='')}",
                 headers=supervisor),
        http.get("/api/v1/dossiers", params={"status": value}, headers=supervisor),
        http.get("/api/v1/tasks", params={"state": value}, headers=supervisor),
    ]
    filtered = {
        "dossiers": http.get("/api/v1/dossiers", params={"procedure_code": value},
                             headers=supervisor).json()["items"],
        "tasks": http.get("/api/v1/tasks", params={"dossier_code": value, "department": value},
                          headers=supervisor).json(),
        "own tasks": http.get(f"/api/v1/tasks?dossier_code={part}", headers=office).json(),
        "audit": http.get("/api/v1/audit", params={"actor": value, "action": value,
                                                   "dossier_code": value},
                          headers=supervisor).json(),
        "notifications": http.get("/api/v1/notifications", params={"kind": value},
                                  headers=supervisor).json(),
    }

    for response in not_found:
        assert_refused(response, 404)
    for response in invalid:
        assert_refused(response, 422)
    assert filtered == {name: [] for name in filtered}
    assert snapshot(session) == before
    assert dossier_count(session) == 1
    still = http.get(f"/api/v1/tasks/{task_id}", headers=office)
    assert still.status_code == 200 and still.json()["state"] == "ready"


# Authorization


@pytest.fixture
def office_step(http, staff) -> dict:
    """A ready step of the OFFICE department."""
    return received(http, staff["reception"])["open_steps"][0]


@pytest.mark.parametrize(("who", "method", "action", "body"), [
    ("economic", "GET", "", None),
    ("economic", "POST", "/claim", None),
    ("economic", "POST", "/complete", {"form_data": REVIEW_APPROVE}),
    ("economic", "POST", "/unclaim", None),
    ("economic_head", "POST", "/assign", {"assignee_id": "economic"}),
    ("economic_head", "POST", "/assign", {"assignee_id": "office2"}),
    ("culture_head", "POST", "/unclaim", None),
    ("leader", "POST", "/claim", None),
], ids=["read", "claim", "complete", "unclaim", "assign-to-own-staff",
        "assign-to-its-staff", "other-head-unclaims", "leader-claims-officer-step"])
def test_another_departments_token_on_a_step_is_a_403_that_changes_nothing(
        http, staff, session, office_step, who, method, action, body):
    step_url = f"/api/v1/tasks/{office_step['id']}"
    if action in ("/complete", "/unclaim"):
        held = http.post(f"{step_url}/claim", headers=staff["office"].headers)
        assert held.status_code == 200
    if body and "assignee_id" in body:
        body = {"assignee_id": staff[body["assignee_id"]].id}
    before = snapshot(session)

    response = http.request(method, f"{step_url}{action}", json=body, headers=staff[who].headers)

    assert assert_refused(response, 403)["code"] == "not_permitted"
    assert snapshot(session) == before


def test_a_revoked_token_is_a_401_everywhere_and_changes_nothing(http, staff, session):
    step = received(http, staff["reception"])["open_steps"][0]
    session.execute(update(User).where(User.username.in_(["reception", "office"]))
                    .values(active=False))
    session.commit()
    before = snapshot(session)

    responses = [
        http.get("/api/v1/dossiers", headers=staff["reception"].headers),
        http.post("/api/v1/dossiers", json=RECEIPT, headers=staff["reception"].headers),
        http.get(f"/api/v1/tasks/{step['id']}", headers=staff["office"].headers),
        http.post(f"/api/v1/tasks/{step['id']}/claim", headers=staff["office"].headers),
    ]

    for response in responses:
        assert assert_refused(response, 401)["code"] == "unauthenticated"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(session) == before


@pytest.mark.parametrize("authorization", [
    b"Bearer",
    b"Basic xxx",
    b"Basic " + b"cmVjZXB0aW9uOnNlY3JldA==",
    b"Token mc_abc",
    b"Bearer " + b"a" * 10_000,
    b"Bearer mc_" + b"a" * 10_000,
    "Bearer mc_Nguyễn".encode(),
    "Bearer mc_\xe9t\xe9".encode("latin-1"),
    b"Bearer mc_' OR 1=1 --",
    b"Bearer mc_abc mc_def",
], ids=["bearer-alone", "basic", "basic-credentials", "other-scheme", "10000-characters",
        "10000-characters-with-prefix", "utf-8", "latin-1", "sql", "two-tokens"])
def test_a_malformed_authorization_header_is_a_401_that_changes_nothing(
        http, staff, session, authorization):
    headers = {"Authorization": authorization, "Content-Type": "application/json"}
    before = snapshot(session)

    responses = [http.get("/api/v1/dossiers", headers=headers),
                 http.post("/api/v1/dossiers", content=json.dumps(RECEIPT), headers=headers)]

    for response in responses:
        assert assert_refused(response, 401)["code"] == "unauthenticated"
    assert snapshot(session) == before


def test_a_real_token_with_one_character_more_or_less_is_a_401(http, staff):
    token = staff["reception"].token

    responses = [http.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {forged}"})
                 for forged in (f"{token}x", token[:-1], token.upper())]

    for response in responses:
        assert assert_refused(response, 401)["code"] == "unauthenticated"


# Text the database cannot hold


def test_an_unpaired_surrogate_in_a_json_string_is_a_400_that_changes_nothing(
        http, json_headers, session):
    body = json.dumps(with_value(RECEIPT, ("applicant", "full_name"), "An\ud800"))
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", content=body.encode(), headers=json_headers)

    assert_refused(response, 400, 422)
    assert snapshot(session) == before


@pytest.mark.parametrize("url", [
    "/api/v1/dossiers/a%00b",
    "/api/v1/dossiers?procedure_code=a%00b",
    "/api/v1/procedures/a%00b",
    "/api/v1/tasks?dossier_code=a%00b",
], ids=["dossier-code", "dossier-filter", "procedure-code", "task-filter"])
def test_a_nul_character_in_a_path_or_query_is_refused_or_matches_nothing(
        http, staff, session, url):
    before = snapshot(session)

    response = http.get(url, headers=staff["supervisor"].headers)

    assert response.status_code in (200, 400, 404, 422), response.text
    if response.status_code == 200:
        body = response.json()
        assert (body["items"] if isinstance(body, dict) else body) == []
    assert snapshot(session) == before


# Numbers


COPY_RECEIPT = {"procedure_code": COPY, "applicant": APPLICANT,
                "form_data": SCENARIOS["certified_copy"]["intake"]}
HUGE = "9" * 5000  # past the 4,300 digits Python's json converts
OUT_OF_RANGE = [HUGE, f"-{HUGE}", str(2**63), str(10**30), "1e400", "-1e400", "NaN",
                "Infinity"]
OUT_OF_RANGE_IDS = ["5000-digits", "minus-5000-digits", "2^63", "10^30", "1e400", "-1e400",
                    "nan", "infinity"]


def with_raw_number(body: dict, path: tuple, number: str) -> str:
    """Return the body as JSON text with `number` written as is at `path`."""
    return json.dumps(with_value(body, path, "@NUMBER@")).replace('"@NUMBER@"', number)


@pytest.mark.parametrize("number", OUT_OF_RANGE, ids=OUT_OF_RANGE_IDS)
@pytest.mark.parametrize("path", [("form_data", "copies"), ("form_data", "pages"),
                                  ("components", "total"), ("channel",),
                                  ("applicant", "full_name"), ("extra",)], ids=".".join)
def test_a_number_out_of_range_anywhere_in_a_receipt_is_a_422_naming_its_field(
        http, json_headers, session, path, number):
    body = with_raw_number({**COPY_RECEIPT, "components": {"total": 1}}, path, number)
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", content=body, headers=json_headers)

    error = assert_refused(response, 422)
    assert error["details"]["fields"][0]["field"] == ".".join(path)
    assert "out of range" in error["details"]["fields"][0]["message"]
    assert snapshot(session) == before


@pytest.mark.parametrize("number", OUT_OF_RANGE, ids=OUT_OF_RANGE_IDS)
def test_a_number_out_of_range_in_step_data_is_a_422_naming_its_field(
        http, staff, session, number):
    task = received(http, staff["reception"])["open_steps"][0]
    assert http.post(f"/api/v1/tasks/{task['id']}/claim",
                     headers=staff["office"].headers).status_code == 200
    body = with_raw_number({"form_data": REVIEW_APPROVE}, ("form_data", "entry"), number)
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{task['id']}/complete", content=body,
                         headers={**staff["office"].headers, "Content-Type": "application/json"})

    assert assert_refused(response, 422)["details"]["fields"][0]["field"] == "form_data.entry"
    assert snapshot(session) == before


@pytest.mark.parametrize(("field", "value"), [("copies", 1001), ("pages", 10_001)])
def test_copies_and_pages_past_the_forms_maximum_are_a_422_naming_the_field(
        http, staff, session, field, value):
    before = snapshot(session)

    response = http.post("/api/v1/dossiers", headers=staff["reception"].headers,
                         json=with_value(COPY_RECEIPT, ("form_data", field), value))

    error = assert_refused(response, 422)
    assert error["code"] == "invalid_form_data"
    assert [f["field"] for f in error["details"]["fields"]] == [field]
    assert snapshot(session) == before


def test_the_largest_copies_and_pages_the_forms_allow_are_received(http, staff):
    form_data = {**COPY_RECEIPT["form_data"], "copies": 1000, "pages": 10_000}

    response = http.post("/api/v1/dossiers", headers=staff["reception"].headers,
                         json={**COPY_RECEIPT, "form_data": form_data})

    assert response.status_code == 201, response.text
    assert response.json()["fee_vnd"] == 200_000 * 1000  # the per-copy cap, a thousand times


@pytest.mark.parametrize(("url", "field"), [
    (f"/api/v1/dossiers?page={HUGE}", "page"),
    (f"/api/v1/dossiers?page={2**63}", "page"),
    (f"/api/v1/dossiers?page_size={2**63}", "page_size"),
    (f"/api/v1/tasks?page={HUGE}", "page"),
    (f"/api/v1/tasks?assignee_id={2**63}", "assignee_id"),
    (f"/api/v1/tasks/{HUGE}", None),
], ids=["dossiers-page-5000-digits", "dossiers-page-2^63", "dossiers-page-size-2^63",
        "tasks-page-5000-digits", "tasks-assignee-2^63", "task-id-5000-digits"])
def test_a_huge_number_in_a_query_or_path_is_refused_naming_its_field(
        http, staff, session, url, field):
    before = snapshot(session)

    response = http.get(url, headers=staff["supervisor"].headers)

    if field is None:
        assert_refused(response, 404)
    else:
        assert [f["field"] for f in assert_refused(response, 422)["details"]["fields"]] == [
            field]
    assert snapshot(session) == before


def test_a_huge_number_in_a_designers_draft_is_a_422_naming_its_field(http, staff, session):
    body = with_raw_number({"bpmn_xml": "<x/>", "change_note": "a note"}, ("change_note",), HUGE)
    before = snapshot(session)

    response = http.post(f"/api/v1/procedures/{COPY}/versions", content=body,
                         headers={**staff["designer"].headers,
                                  "Content-Type": "application/json"})

    assert assert_refused(response, 422)["details"]["fields"][0]["field"] == "change_note"
    assert snapshot(session) == before
