"""The designer page converts models from other tools over HTTP, storing nothing."""

from pathlib import Path

import pytest

from tests.conftest import snapshot

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
IMPORT = "/api/v1/procedures/import"
MAPPING = {"economic-officers": "ECONOMIC", "chairman": "LEADERSHIP",
           "reception-desk": "RECEPTION"}


def text_of(name: str) -> str:
    raw = (FIXTURES / name).read_bytes()
    return raw.decode("iso-8859-1" if b"ISO-8859-1" in raw[:100] else "utf-8")


def test_a_designer_gets_the_converted_model_forms_report_and_check_and_nothing_is_stored(
        http, staff, session):
    before = snapshot(session)

    response = http.post(IMPORT, headers=staff["designer"].headers, json={
        "bpmn_xml": text_of("camunda_leave.bpmn"), "code": "HKD", "department": "ECONOMIC",
        "map": MAPPING, "timers": "working"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["refused"], body["problems"], body["folder"]) == (False, [], "hkd")
    assert "working_days(3)" in body["bpmn_xml"]
    assert "BPMNShape" in body["bpmn_xml"]
    assert sorted(body["forms"]) == ["hkd/intake", "hkd/remind", "hkd/request_fix",
                                     "hkd/review_application", "hkd/sign"]
    assert all(entry["line"] and entry["element"] for entry in body["entries"])
    assert {"kind": "changed", "line": 10, "element": "review", "action": "",
            "message": "dueDate 'P2D' became a budget of 16 working hours"} in body["entries"]
    assert snapshot(session) == before


def test_a_refused_model_answers_its_refusals_and_the_checks_problems_with_lines(http, staff):
    response = http.post(IMPORT, headers=staff["admin"].headers,
                         json={"bpmn_xml": text_of("camunda_refused.bpmn")})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["refused"] is True
    refused = [(e["line"], e["element"]) for e in body["entries"] if e["kind"] == "refused"]
    assert refused == [(5, "fetch_payment"), (11, "compute_fee"), (14, "wait_payment"),
                       (19, "f_paid")]
    assert body["problems"] and all(p["line"] for p in body["problems"])


def test_a_model_declared_in_another_encoding_is_read_as_the_text_pasted(http, staff):
    response = http.post(IMPORT, headers=staff["designer"].headers,
                         json={"bpmn_xml": text_of("gateways.bpmn"), "department": "OFFICE"})

    assert response.status_code == 200, response.text
    assert "Tiep nhan (ISO-8859-1: é)" in response.json()["bpmn_xml"]


@pytest.mark.parametrize(("person", "body", "status", "code", "reason"), [
    ("office", {"bpmn_xml": "<x/>"}, 403, "not_permitted", "designers_only"),
    ("designer", {"bpmn_xml": "<definitions>\n<process>"}, 422, "model_unreadable", "not_xml"),
    ("designer", {"bpmn_xml": "<notes/>"}, 422, "model_unreadable", "not_bpmn"),
    ("designer", {"bpmn_xml": '<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>'}, 400, "hostile_xml",
     "declarations"),
    ("designer", {"bpmn_xml": "<x/>", "map": {"g": "NOWHERE"}}, 422, "invalid_input",
     "unknown_departments"),
])
def test_bad_requests_are_refused_with_a_code_and_change_nothing(http, staff, session, person,
                                                                 body, status, code, reason):
    before = snapshot(session)

    response = http.post(IMPORT, headers=staff[person].headers, json=body)

    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["details"].get("reason")) == (code, reason)
    assert snapshot(session) == before


def test_unreadable_models_are_said_in_vietnamese_with_their_line(http, staff):
    response = http.post(IMPORT, headers=staff["designer"].headers,
                         json={"bpmn_xml": "<definitions>\n<process>\n</definitions>"})

    assert response.json()["error"]["message"].startswith("Dòng 3: tệp không phải XML hợp lệ")
