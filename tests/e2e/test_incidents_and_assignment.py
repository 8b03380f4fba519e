"""Engine failures leave the dossier as it was; heads reassign steps within their department."""

from pathlib import Path

import pytest
from sqlalchemy import select

from api.extensions import db
from engine.models import Dossier, HumanTask, Incident
from engine.procedures import load_departments, load_procedure, publish_procedures
from tests.conftest import NOW, snapshot
from tests.e2e.helpers import received
from tests.scenarios import SCENARIOS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def broken_procedure(app):
    ctx = app.extensions["motcua"]
    codes = {d["code"] for d in load_departments()}
    definition = load_procedure(FIXTURES / "broken_condition", forms=ctx.forms,
                                department_codes=codes)
    publish_procedures(db.session, departments=[], definitions=[definition], now=NOW)
    return definition.code


def test_an_engine_failure_records_an_incident_and_keeps_the_committed_state(
        http, staff, session, broken_procedure):
    dossier = received(http, staff["reception"], procedure=broken_procedure,
                       form_data=SCENARIOS["certified_copy"]["intake"])
    task = dossier["open_steps"][0]
    office = staff["office"].headers
    http.post(f"/api/v1/tasks/{task['id']}/claim", headers=office)
    state_before = session.scalars(select(Dossier.workflow_state)).one()

    response = http.post(f"/api/v1/tasks/{task['id']}/complete", headers=office,
                         json={"form_data": {"signer_position": "chairman"}})

    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "engine_incident"
    assert "variable_no_form_sets" in error["message"]
    session.expire_all()
    incident = session.scalars(select(Incident)).one()
    assert incident.step == "review"
    assert incident.id == error["details"]["incident"]
    assert session.scalars(select(Dossier.workflow_state)).one() == state_before
    assert session.get(HumanTask, task["id"]).state == "claimed"
    history = http.get(f"/api/v1/dossiers/{dossier['code']}/history", headers=office).json()
    assert history[-1]["action"] == "incident.recorded"


def test_a_head_reassigns_a_claimed_step_within_the_department(http, staff, session):
    task = received(http, staff["reception"])["open_steps"][0]
    http.post(f"/api/v1/tasks/{task['id']}/claim", headers=staff["office"].headers)

    response = http.post(f"/api/v1/tasks/{task['id']}/assign",
                         json={"assignee_id": staff["office2"].id},
                         headers=staff["office_head"].headers)

    assert response.status_code == 200, response.text
    assert response.json()["assignee"] == "office2"
    history = http.get(f"/api/v1/dossiers/{task['dossier_code']}/history",
                       headers=staff["office_head"].headers).json()
    assigned = [e for e in history if e["action"] == "task.assigned"]
    assert assigned[0]["before"] == {"assignee": "office"}
    assert assigned[0]["after"] == {"assignee": "office2"}


def test_an_officer_cannot_reassign_and_nothing_changes(http, staff, session):
    task = received(http, staff["reception"])["open_steps"][0]
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{task['id']}/assign",
                         json={"assignee_id": staff["office2"].id},
                         headers=staff["office"].headers)

    assert response.status_code == 403
    assert snapshot(session) == before


def test_a_head_cannot_assign_to_someone_outside_the_department(http, staff, session):
    task = received(http, staff["reception"])["open_steps"][0]
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{task['id']}/assign",
                         json={"assignee_id": staff["economic"].id},
                         headers=staff["office_head"].headers)

    assert response.status_code == 403
    assert "OFFICE" in response.json()["error"]["message"]
    assert snapshot(session) == before


def test_the_holder_unclaims_and_the_step_returns_to_the_queue(http, staff):
    task = received(http, staff["reception"])["open_steps"][0]
    office = staff["office"].headers
    http.post(f"/api/v1/tasks/{task['id']}/claim", headers=office)

    response = http.post(f"/api/v1/tasks/{task['id']}/unclaim", headers=office)

    assert response.status_code == 200
    assert response.json()["state"] == "ready"
    assert response.json()["assignee"] is None
    claim = http.post(f"/api/v1/tasks/{task['id']}/claim", headers=staff["office2"].headers)
    assert claim.status_code == 200


def test_another_officer_cannot_unclaim_a_step_they_do_not_hold(http, staff, session):
    task = received(http, staff["reception"])["open_steps"][0]
    http.post(f"/api/v1/tasks/{task['id']}/claim", headers=staff["office"].headers)
    before = snapshot(session)

    response = http.post(f"/api/v1/tasks/{task['id']}/unclaim", headers=staff["office2"].headers)

    assert response.status_code == 403
    assert snapshot(session) == before


def test_the_inbox_shows_only_the_callers_department_by_default(http, staff):
    received(http, staff["reception"])

    office_inbox = http.get("/api/v1/tasks", headers=staff["office"].headers).json()
    economic_inbox = http.get("/api/v1/tasks", headers=staff["economic"].headers).json()
    peeking = http.get("/api/v1/tasks", params={"department": "OFFICE"},
                       headers=staff["economic"].headers)

    assert [t["step"] for t in office_inbox] == ["review"]
    assert economic_inbox == []
    assert peeking.status_code == 403


def test_the_inbox_filters_by_state_and_assignee(http, staff):
    first = received(http, staff["reception"])["open_steps"][0]
    received(http, staff["reception"])
    http.post(f"/api/v1/tasks/{first['id']}/claim", headers=staff["office"].headers)

    mine = http.get("/api/v1/tasks", params={"assignee_id": staff["office"].id},
                    headers=staff["office"].headers).json()
    ready = http.get("/api/v1/tasks", params={"state": "ready"},
                     headers=staff["office"].headers).json()

    assert [t["id"] for t in mine] == [first["id"]]
    assert len(ready) == 1 and ready[0]["id"] != first["id"]


def test_the_inbox_filters_by_dossier_code(http, staff):
    first = received(http, staff["reception"])
    second = received(http, staff["reception"])

    def steps_of(code):
        return http.get("/api/v1/tasks", params={"dossier_code": code},
                        headers=staff["office"].headers).json()

    assert [t["id"] for t in steps_of(first["code"])] == [first["open_steps"][0]["id"]]
    assert [t["id"] for t in steps_of(second["code"])] == [second["open_steps"][0]["id"]]
    assert steps_of("000.00.00.H00-000000-0000") == []


def test_a_designer_cannot_read_dossiers(http, staff):
    dossier = received(http, staff["reception"])

    response = http.get(f"/api/v1/dossiers/{dossier['code']}", headers=staff["designer"].headers)

    assert response.status_code == 403


def test_dossier_list_filters_and_paginates(http, staff):
    for _ in range(3):
        received(http, staff["reception"])

    page = http.get("/api/v1/dossiers", params={"page_size": 2, "procedure_code": "1.001193"},
                    headers=staff["supervisor"].headers).json()
    second = http.get("/api/v1/dossiers", params={"page_size": 2, "page": 2},
                      headers=staff["supervisor"].headers).json()
    none = http.get("/api/v1/dossiers", params={"status": 10},
                    headers=staff["supervisor"].headers).json()

    assert page["total"] == 3 and len(page["items"]) == 2
    assert len(second["items"]) == 1
    assert {d["code"] for d in page["items"]}.isdisjoint({d["code"] for d in second["items"]})
    assert none["total"] == 0
