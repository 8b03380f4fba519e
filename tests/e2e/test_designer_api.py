"""A designer drafts, validates, compares and publishes procedure models over HTTP."""

import hashlib
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select

from api import create_app
from api.extensions import db
from engine.models import Dossier
from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, WORKER

COPY = PROCEDURE_CODES["certified_copy"]
OLD_NAME = "Đối chiếu bản sao với bản chính, ghi lời chứng, vào Sổ chứng thực"
NEW_NAME = "Đối chiếu bản sao với bản chính và ghi lời chứng"
VERSIONS = f"/api/v1/procedures/{COPY}/versions"
NEW_FORM = "certified_copy/certify_v2"




def published_xml(http, person) -> tuple[int, str]:
    versions = http.get(VERSIONS, headers=person.headers).json()
    current = next(v for v in versions if v["state"] == "published")
    response = http.get(f"{VERSIONS}/{current['number']}/bpmn", headers=person.headers)
    assert response.status_code == 200, response.text
    return current["number"], response.text


def draft(http, person, xml: str, note: str = "rename the certify step", **extra):
    return http.post(VERSIONS, headers=person.headers,
                     json={"bpmn_xml": xml, "change_note": note, **extra})


def receive_copy(http, staff) -> dict:
    response = http.post("/api/v1/dossiers", headers=staff["reception"].headers, json={
        "procedure_code": COPY, "applicant": APPLICANT,
        "form_data": SCENARIOS["certified_copy"]["intake"]})
    assert response.status_code == 201, response.text
    return response.json()


def work(http, staff, dossier: dict, steps) -> dict:
    """Claim and complete each step with the worker of its department and role."""
    for step, form_data in steps:
        task = next(s for s in dossier["open_steps"] if s["step"] == step)
        worker = staff[WORKER[(task["department"], task["required_role"])]]
        assert http.post(f"/api/v1/tasks/{task['id']}/claim",
                         headers=worker.headers).status_code == 200
        done = http.post(f"/api/v1/tasks/{task['id']}/complete", headers=worker.headers,
                         json={"form_data": form_data})
        assert done.status_code == 200, done.text
        dossier = http.get(f"/api/v1/dossiers/{dossier['code']}",
                           headers=staff["reception"].headers).json()
    return dossier


def spec_hash_of(session, code: str) -> str:
    session.expire_all()
    return session.scalars(select(Dossier.spec_hash).where(Dossier.code == code)).one()


def test_a_renamed_step_is_drafted_validated_compared_and_published_while_running_dossiers_keep_their_model(  # noqa: E501
        http, staff, session, versions_restored):
    designer = staff["designer"]
    received_before = receive_copy(http, staff)
    old_number, xml = published_xml(http, designer)

    created = draft(http, designer, xml.replace(f'name="{OLD_NAME}"', f'name="{NEW_NAME}"'))

    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["number"], body["state"], body["problems"]) == (old_number + 1, "draft", [])
    new_number, new_hash = body["number"], body["spec_hash"]
    validated = http.post(f"{VERSIONS}/{new_number}/validate", headers=designer.headers)
    assert validated.json() == {"valid": True, "problems": []}
    diff = http.get(f"/api/v1/procedures/{COPY}/diff",
                    params={"from": old_number, "to": new_number}, headers=designer.headers)
    assert diff.status_code == 200, diff.text
    assert diff.json()["steps_changed"] == [
        {"id": "certify", "fields": {"name": {"from": OLD_NAME, "to": NEW_NAME}}}]
    assert [diff.json()[k] for k in ("steps_added", "steps_removed", "lanes_added",
                                     "forms_added", "forms_changed", "meta_changed")] == [[]] * 6

    published = http.post(f"{VERSIONS}/{new_number}/publish", headers=designer.headers)

    assert published.status_code == 200, published.text
    assert published.json()["state"] == "published"
    states = {v["number"]: v["state"] for v in http.get(VERSIONS, headers=designer.headers).json()}
    assert (states[old_number], states[new_number]) == ("retired", "published")
    received_after = receive_copy(http, staff)
    assert spec_hash_of(session, received_after["code"]) == new_hash
    assert [s["step_name"] for s in received_after["open_steps"]] == [NEW_NAME]
    assert spec_hash_of(session, received_before["code"]) != new_hash
    assert [s["step_name"] for s in received_before["open_steps"]] == [OLD_NAME]
    finished = work(http, staff, received_before, SCENARIOS["certified_copy"]["happy"])
    assert (finished["status"], finished["open_steps"]) == (10, [])
    assert finished["finished_at"] is not None


def test_the_bpmn_of_a_version_is_served_byte_for_byte_under_its_hash(http, staff):
    designer = staff["designer"]
    versions = http.get(VERSIONS, headers=designer.headers).json()
    current = next(v for v in versions if v["state"] == "published")

    response = http.get(f"{VERSIONS}/{current['number']}/bpmn", headers=designer.headers)

    assert response.headers["content-type"].startswith("application/xml")
    assert hashlib.sha256(response.content).hexdigest() == current["spec_hash"]


@pytest.mark.parametrize("hostile", ["doctype", "external_entity", "billion_laughs", "oversize"])
def test_hostile_xml_is_refused_with_400_and_nothing_is_stored(http, staff, session, hostile):
    designer = staff["designer"]
    _, xml = published_xml(http, designer)
    declaration, rest = xml.split("\n", 1)
    xml = {
        "doctype": f"{declaration}\n<!DOCTYPE definitions>\n{rest}",
        "external_entity": f'{declaration}\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                           f"\n{rest}".replace(f'name="{OLD_NAME}"', 'name="&e;"'),
        "billion_laughs": f'{declaration}\n<!DOCTYPE l [<!ENTITY l "lol">'
                          + "".join(f'<!ENTITY l{n} "{("&l" + (str(n - 1) if n > 1 else "") + ";") * 10}">'  # noqa: E501
                                    for n in range(1, 10))
                          + f"]>\n{rest}".replace(f'name="{OLD_NAME}"', 'name="&l9;"'),
        "oversize": xml.replace("</bpmn:definitions>",
                                "<!--" + "x" * (2 * 1024 * 1024) + "--></bpmn:definitions>"),
    }[hostile]
    before = snapshot(session)

    response = draft(http, designer, xml)

    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (400, "hostile_xml")
    assert "root:" not in response.text and "lollol" not in response.text
    assert snapshot(session) == before


def test_an_officer_cannot_draft_or_publish(http, staff, session):
    officer = staff["office"]
    _, xml = published_xml(http, officer)
    before = snapshot(session)

    created = draft(http, officer, xml)
    published = http.post(f"{VERSIONS}/1/publish", headers=officer.headers)

    assert created.status_code == 403
    assert created.json()["error"]["code"] == "not_permitted"
    assert published.status_code == 403
    assert snapshot(session) == before


def test_publishing_a_draft_with_problems_is_refused_with_422_listing_them(
        http, staff, session, versions_restored):
    designer = staff["designer"]
    _, xml = published_xml(http, designer)
    broken = xml.replace('name="LEADERSHIP"', 'name="CHAIRMAN"')
    created = draft(http, designer, broken, note="move signing to a new lane")
    assert created.status_code == 201  # stored, so the designer can fix it
    number = created.json()["number"]
    assert [p["element"] for p in created.json()["problems"]] == ["sign"]
    procedure_before = http.get(f"/api/v1/procedures/{COPY}", headers=designer.headers).json()

    response = http.post(f"{VERSIONS}/{number}/publish", headers=designer.headers)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "version_invalid"
    assert error["details"]["problems"] == [{
        "message": "lane 'CHAIRMAN' is not a department code; known: ['CULTURE_SOCIAL', "
                   "'ECONOMIC', 'LAND_BRANCH', 'LEADERSHIP', 'OFFICE', 'RECEPTION']",
        "line": broken[:broken.index('<bpmn:userTask id="sign"')].count("\n") + 1,
        "element": "sign", "severity": "error"}]
    assert http.get(f"{VERSIONS}/{number}", headers=designer.headers).json()["state"] == "draft"
    assert http.get(f"/api/v1/procedures/{COPY}",
                    headers=designer.headers).json() == procedure_before


def test_a_draft_is_fixed_with_put_and_then_published(http, staff, versions_restored):
    designer = staff["designer"]
    _, xml = published_xml(http, designer)
    number = draft(http, designer, xml.replace('name="LEADERSHIP"', 'name="CHAIRMAN"')).json()[
        "number"]

    fixed = http.put(f"{VERSIONS}/{number}", headers=designer.headers,
                     json={"bpmn_xml": xml.replace(f'name="{OLD_NAME}"', f'name="{NEW_NAME}"'),
                           "change_note": "rename the certify step, keep the lanes"})

    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["problems"] == []
    assert fixed.json()["change_note"] == "rename the certify step, keep the lanes"
    assert http.post(f"{VERSIONS}/{number}/publish", headers=designer.headers).status_code == 200


def test_publishing_the_same_number_twice_is_a_conflict(http, staff, versions_restored):
    designer = staff["designer"]
    _, xml = published_xml(http, designer)
    number = draft(http, designer, xml.replace(f'name="{OLD_NAME}"', f'name="{NEW_NAME}"')
                   ).json()["number"]
    first = http.post(f"{VERSIONS}/{number}/publish", headers=designer.headers)

    second = http.post(f"{VERSIONS}/{number}/publish", headers=designer.headers)
    changed = http.put(f"{VERSIONS}/{number}", headers=designer.headers,
                       json={"change_note": "too late"})

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "version_not_draft"
    assert changed.status_code == 409


def test_designers_racing_get_distinct_numbers_and_one_publication_each(
        http, staff, live_server, versions_restored):
    designer = staff["designer"]
    _, xml = published_xml(http, designer)

    def post(path: str, body: dict | None = None) -> httpx.Response:
        with httpx.Client(base_url=live_server, timeout=60) as client:
            return client.post(path, headers=designer.headers, json=body)

    with ThreadPoolExecutor(6) as pool:
        drafts = list(pool.map(lambda i: post(VERSIONS, {
            "bpmn_xml": xml.replace('name="Ký chứng thực"', f'name="Ký chứng thực ({i})"'),
            "change_note": f"variant {i}"}), range(6)))
    numbers = sorted(r.json()["number"] for r in drafts)
    with ThreadPoolExecutor(4) as pool:
        published = list(pool.map(lambda n: post(f"{VERSIONS}/{n}/publish"),
                                  [numbers[0], numbers[0], numbers[1], numbers[1]]))

    assert [r.status_code for r in drafts] == [201] * 6
    assert numbers == list(range(numbers[0], numbers[0] + 6))
    assert sorted(r.status_code for r in published) == [200, 200, 409, 409]
    states = [v["state"] for v in http.get(VERSIONS, headers=designer.headers).json()]
    assert states.count("published") == 1


def test_a_version_brings_a_new_form_that_new_dossiers_use_and_other_processes_find(
        http, staff, database, versions_restored):
    designer = staff["designer"]
    _, xml = published_xml(http, designer)
    schema = {"type": "object", "required": ["certify_decision", "witness"],
              "properties": {"certify_decision": {"enum": ["approve", "supplement", "refuse"]},
                             "witness": {"type": "string", "minLength": 1}}}
    created = draft(http, designer, xml.replace('value="certified_copy/certify"',
                                                f'value="{NEW_FORM}"'),
                    note="certify asks for the witness", forms={NEW_FORM: schema})
    assert created.json()["problems"] == []
    number = created.json()["number"]
    diff = http.get(f"/api/v1/procedures/{COPY}/diff", params={"from": number - 1, "to": number},
                    headers=designer.headers).json()
    assert diff["forms_added"] == [NEW_FORM]
    assert diff["forms_removed"] == ["certified_copy/certify"]
    assert diff["steps_changed"] == [{"id": "certify", "fields": {
        "form": {"from": "certified_copy/certify", "to": NEW_FORM}}}]

    assert http.post(f"{VERSIONS}/{number}/publish", headers=designer.headers).status_code == 200

    dossier = receive_copy(http, staff)
    task = dossier["open_steps"][0]
    office = staff["office"].headers
    http.post(f"/api/v1/tasks/{task['id']}/claim", headers=office)
    refused = http.post(f"/api/v1/tasks/{task['id']}/complete", headers=office,
                        json={"form_data": {"certify_decision": "approve"}})
    assert refused.status_code == 422
    assert {"field": "witness", "code": "required", "message": "Trường này là bắt buộc."} in \
        refused.json()["error"]["details"]["fields"]
    # A process started before the publication finds the form in the database on first use.
    other = create_app({"SQLALCHEMY_DATABASE_URI": database, "TESTING": True})
    with other.app_context():
        assert other.extensions["motcua"].forms.schema(NEW_FORM) == schema
        db.session.remove()
        db.engine.dispose()


def test_a_form_pattern_re2_cannot_run_stops_publication_and_nothing_changes(
        http, staff, session, versions_restored):
    designer = staff["designer"]
    _, xml = published_xml(http, designer)
    schema = {"type": "object", "properties": {
        "certify_decision": {"enum": ["approve", "supplement", "refuse"]},
        "witness": {"type": "string", "pattern": "^(?=.*[0-9])[A-Z0-9]+$"}}}
    created = draft(http, designer, xml.replace('value="certified_copy/certify"',
                                                f'value="{NEW_FORM}"'),
                    note="witness codes", forms={NEW_FORM: schema})
    number = created.json()["number"]
    before = snapshot(session)

    published = http.post(f"{VERSIONS}/{number}/publish", headers=designer.headers)

    [problem] = created.json()["problems"]
    assert problem["element"] == f"forms.{NEW_FORM}"
    assert f"form '{NEW_FORM}', field 'witness'" in problem["message"]
    assert "without backreferences" in problem["message"]
    assert published.status_code == 422, published.text
    assert "lookarounds" in published.text
    assert snapshot(session) == before


def test_a_trial_run_of_a_draft_whose_condition_runs_away_reports_it_and_the_server_goes_on(
        http, staff, session, versions_restored):
    designer = staff["designer"]
    _, xml = published_xml(http, designer)
    runaway = xml.replace('certify_decision == "approve"',
                          'sum(range(10**11)) > 0 and certify_decision == "approve"')
    number = draft(http, designer, runaway, note="a condition that never ends").json()["number"]
    before = snapshot(session)

    runs = [http.post(f"{VERSIONS}/{number}/trial-run", json={}, headers=designer.headers)
            for _ in range(2)]

    assert [r.status_code for r in runs] == [200, 200]
    for run in runs:
        assert run.json()["finished"] is False
        assert "was stopped: look for a loop that never ends" in run.json()["error"]
    assert snapshot(session) == before
    receive_copy(http, staff)


def test_unknown_versions_and_procedures_are_not_found(http, staff):
    designer = staff["designer"]

    missing_version = http.get(f"{VERSIONS}/999", headers=designer.headers)
    missing_procedure = http.get("/api/v1/procedures/NOPE/versions", headers=designer.headers)
    diff = http.get(f"/api/v1/procedures/{COPY}/diff", params={"from": 1, "to": 999},
                    headers=designer.headers)

    assert missing_version.status_code == 404
    assert missing_version.json()["error"]["code"] == "version_not_found"
    assert missing_procedure.status_code == 404
    assert diff.status_code == 404
