"""Decision tables: the land registration routes its review through one, drafts carry them."""

import shutil

import pytest
from sqlalchemy import select

from api.config import PROJECT_ROOT
from engine.errors import ModelInvalid
from engine.models import WorkflowSpec
from engine.procedures import load_departments, load_procedure
from engine.specs import content_hash
from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT
from tests.e2e.staff_app import csrf_token, data_rows, name_staff, sign_in
from tests.e2e.test_designer_api import work
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

LAND = PROCEDURE_CODES["first_land_registration"]
FOLDER = PROJECT_ROOT / "workflows" / "first_land_registration"
TABLE = "review_routing.dmn"
VERSIONS = f"/api/v1/procedures/{LAND}/versions"
RECEIVED = SCENARIOS["first_land_registration"]["happy"][0]
APPROVED = SCENARIOS["first_land_registration"]["happy"][1]
POSTING = '<text>"posting"</text>'


def shipped_table() -> str:
    return (FOLDER / TABLE).read_text(encoding="utf-8")


def receive_land(http, staff) -> dict:
    response = http.post("/api/v1/dossiers", headers=staff["reception"].headers, json={
        "procedure_code": LAND, "applicant": APPLICANT,
        "form_data": SCENARIOS["first_land_registration"]["intake"]})
    assert response.status_code == 201, response.text
    return response.json()


def published_number(http, person) -> int:
    versions = http.get(VERSIONS, headers=person.headers).json()
    return next(v["number"] for v in versions if v["state"] == "published")


def draft_with_table(http, person, table: str, note: str) -> dict:
    """Start a draft from the published model, with `table` as its routing table."""
    number = published_number(http, person)
    xml = http.get(f"{VERSIONS}/{number}/bpmn", headers=person.headers).text
    response = http.post(VERSIONS, headers=person.headers, json={
        "bpmn_xml": xml, "decisions": {TABLE: table}, "change_note": note})
    assert response.status_code == 201, response.text
    return response.json()


def test_the_land_registrations_review_is_routed_by_its_decision_table(
        http, staff, session):
    dossier = receive_land(http, staff)

    dossier = work(http, staff, dossier, [RECEIVED, APPROVED])

    assert [s["step"] for s in dossier["open_steps"]] == ["public_posting"]
    spec_hash = session.scalars(select(WorkflowSpec.hash).where(
        WorkflowSpec.process_id == "first_land_registration")).all()
    bpmn = (FOLDER / "first_land_registration.bpmn").read_bytes()
    assert content_hash(bpmn, {TABLE: shipped_table()}) in spec_hash


def test_a_published_version_lists_its_tables_and_a_draft_diff_names_the_changed_one(
        http, staff, versions_restored):
    designer = staff["designer"]
    number = published_number(http, designer)

    tables = http.get(f"{VERSIONS}/{number}/decisions", headers=designer.headers)
    draft = draft_with_table(http, designer, shipped_table().replace(POSTING, '<text>"refuse"'
                                                                     '</text>'),
                             "approved land goes to refusal, to test the diff")
    diff = http.get(f"/api/v1/procedures/{LAND}/diff",
                    params={"from": number, "to": draft["number"]}, headers=designer.headers)

    assert tables.status_code == 200 and tables.json() == {"decisions": {TABLE: shipped_table()}}
    assert draft["problems"] == []
    assert diff.json()["decisions_changed"] == [TABLE]
    assert diff.json()["decisions_added"] == diff.json()["decisions_removed"] == []
    assert diff.json()["steps_changed"] == []


def test_a_running_dossier_keeps_the_table_it_started_with(http, staff, versions_restored):
    designer = staff["designer"]
    before = work(http, staff, receive_land(http, staff), [RECEIVED])
    draft = draft_with_table(http, designer, shipped_table().replace(POSTING, '<text>"refuse"'
                                                                     '</text>'),
                             "approved land is refused: a rule change to test pinning")
    published = http.post(f"{VERSIONS}/{draft['number']}/publish", headers=designer.headers)
    assert published.status_code == 200, published.text

    old_rule = work(http, staff, before, [APPROVED])
    new_rule = work(http, staff, receive_land(http, staff), [RECEIVED, APPROVED])

    assert [s["step"] for s in old_rule["open_steps"]] == ["public_posting"]
    assert new_rule["open_steps"] == [] and new_rule["status"] == 3


def test_a_draft_missing_its_table_or_with_a_broken_one_gets_located_problems(
        http, staff, versions_restored):
    designer = staff["designer"]
    xml = (FOLDER / "first_land_registration.bpmn").read_text(encoding="utf-8")
    task_line = next(n for n, line in enumerate(xml.splitlines(), start=1)
                     if 'id="route_review"' in line)

    missing = draft_with_table(http, designer, shipped_table(), "start from the shipped table")
    put = http.put(f"{VERSIONS}/{missing['number']}", headers=designer.headers,
                   json={"decisions": {}})
    broken = http.put(f"{VERSIONS}/{missing['number']}", headers=designer.headers,
                      json={"decisions": {TABLE: shipped_table().replace("</rule>", "", 1)}})

    assert put.status_code == 200, put.text
    assert {(p["element"], p["line"]) for p in put.json()["problems"]} == {
        ("route_review", task_line)}
    assert "review_routing" in put.json()["problems"][0]["message"]
    assert broken.status_code == 200, broken.text
    problem = broken.json()["problems"][0]
    assert problem["element"] == f"decisions.{TABLE}" and problem["line"] > 1
    assert "not well-formed" in problem["message"]
    refused = http.post(f"{VERSIONS}/{missing['number']}/publish", headers=designer.headers)
    assert refused.status_code == 422


@pytest.mark.parametrize("tables, status, code", [
    ({"../escape.dmn": "<definitions/>"}, 422, "invalid_input"),
    ({TABLE: '<!DOCTYPE d [<!ENTITY x "y">]><definitions>&x;</definitions>'}, 400,
     "hostile_xml"),
])
def test_bad_decision_tables_are_refused_with_nothing_changed(
        http, staff, session, versions_restored, tables, status, code):
    designer = staff["designer"]
    draft = draft_with_table(http, designer, shipped_table(), "a draft to send bad tables to")
    before = snapshot(session)

    response = http.put(f"{VERSIONS}/{draft['number']}", headers=designer.headers,
                        json={"decisions": tables})

    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert snapshot(session) == before


PAGE = f"/thiet-ke/{LAND}/bang-quyet-dinh"


def signed_in(http, session, staff, username: str):
    name_staff(session, staff, {username: username})
    assert sign_in(http, username).status_code == 302
    return http


@pytest.mark.parametrize("username, form, status", [
    ("designer", {"bang": TABLE, "xml": "<definitions/>"}, 400),  # no CSRF token
    ("designer", {"bang": "other.dmn", "xml": "<definitions/>", "with_token": True}, 400),
    ("reception", {"bang": TABLE, "xml": "<definitions/>", "with_token": True}, 403),
])
def test_the_pages_save_refuses_a_bad_form_with_nothing_changed(
        http, staff, session, versions_restored, username, form, status):
    signed_in(http, session, staff, username)
    form = dict(form)
    if form.pop("with_token", False):
        form["csrf_token"] = csrf_token(http.get("/"))
    before = data_rows(session)

    response = http.post(PAGE, data=form)

    assert response.status_code == status, response.text
    assert data_rows(session) == before


def test_loading_a_folder_names_the_table_file_and_line_of_a_refused_cell(app, tmp_path):
    folder = tmp_path / "first_land_registration"
    shutil.copytree(FOLDER, folder)
    (folder / TABLE).write_text(shipped_table().replace(POSTING, '<text>__import__("os")</text>'),
                                encoding="utf-8")
    line = next(n for n, text in enumerate((folder / TABLE).read_text().splitlines(), start=1)
                if "__import__" in text)

    with pytest.raises(ModelInvalid) as refused:
        load_procedure(folder, forms=app.extensions["motcua"].forms,
                       department_codes={d["code"] for d in load_departments()})

    assert refused.value.details["file"] == str(folder / TABLE)
    assert refused.value.details["line"] == line
    assert "rule 1: expression rejected" in refused.value.message
