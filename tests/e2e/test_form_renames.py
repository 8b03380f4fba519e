"""A draft's form changed from the published one gets a new key: published forms never change."""

import copy
import json

from engine.models import FormSchema
from forms.catalog import FORMS_DIR
from tests.conftest import snapshot
from tests.e2e.helpers import received
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

COPY = PROCEDURE_CODES["certified_copy"]
VERSIONS = f"/api/v1/procedures/{COPY}/versions"
CERTIFY = "certified_copy/certify"
WITNESS = {"type": "string", "title": "Người làm chứng", "minLength": 1, "maxLength": 100}


def published(http, person) -> tuple[int, str]:
    versions = http.get(VERSIONS, headers=person.headers).json()
    number = next(v["number"] for v in versions if v["state"] == "published")
    return number, http.get(f"{VERSIONS}/{number}/bpmn", headers=person.headers).text


def certify_with_witness() -> dict:
    schema = json.loads((FORMS_DIR / f"{CERTIFY}.json").read_text(encoding="utf-8"))
    changed = copy.deepcopy(schema)
    changed["properties"]["witness"] = WITNESS
    return changed


def test_a_changed_published_form_is_drafted_under_the_next_free_key_and_its_step_follows(
        http, staff, session, versions_restored):
    designer = staff["designer"]
    number, xml = published(http, designer)
    changed = certify_with_witness()

    created = http.post(VERSIONS, headers=designer.headers, json={
        "bpmn_xml": xml, "change_note": "certify names a witness", "forms": {CERTIFY: changed}})

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["forms_renamed"] == {CERTIFY: f"{CERTIFY}_2"}
    assert body["forms"] == {f"{CERTIFY}_2": changed}
    assert body["problems"] == []
    stored = http.get(f"{VERSIONS}/{body['number']}/bpmn", headers=designer.headers).text
    assert f'value="{CERTIFY}_2"' in stored
    assert f'value="{CERTIFY}"' not in stored
    # Only the form property changed, byte for byte.
    assert stored == xml.replace(f'value="{CERTIFY}"', f'value="{CERTIFY}_2"')
    diff = http.get(f"/api/v1/procedures/{COPY}/diff", headers=designer.headers,
                    params={"from": number, "to": body["number"]}).json()
    assert diff["steps_changed"] == [{"id": "certify", "fields": {
        "form": {"from": CERTIFY, "to": f"{CERTIFY}_2"}}}]
    assert session.get(FormSchema, CERTIFY) is None  # the file's form, untouched

    done = http.post(f"{VERSIONS}/{body['number']}/publish", headers=designer.headers)
    assert done.status_code == 200, done.text
    dossier = received(http, staff["reception"], procedure=COPY,
                       form_data=SCENARIOS["certified_copy"]["intake"])
    assert dossier["open_steps"][0]["form"] == f"{CERTIFY}_2"


def test_a_form_changed_again_after_its_publication_takes_the_number_after(
        http, staff, versions_restored):
    designer = staff["designer"]
    _, xml = published(http, designer)
    first = certify_with_witness()
    created = http.post(VERSIONS, headers=designer.headers, json={
        "bpmn_xml": xml, "change_note": "witness", "forms": {CERTIFY: first}}).json()
    assert http.post(f"{VERSIONS}/{created['number']}/publish",
                     headers=designer.headers).status_code == 200
    _, xml = published(http, designer)
    second = copy.deepcopy(first)
    second["properties"]["witness"]["maxLength"] = 200

    updated = http.post(VERSIONS, headers=designer.headers, json={
        "bpmn_xml": xml, "change_note": "longer names", "forms": {f"{CERTIFY}_2": second}})

    assert updated.json()["forms_renamed"] == {f"{CERTIFY}_2": f"{CERTIFY}_3"}
    assert updated.json()["problems"] == []


def test_a_draft_updated_with_a_changed_published_form_is_renamed_and_an_unchanged_one_is_not(
        http, staff, versions_restored):
    designer = staff["designer"]
    _, xml = published(http, designer)
    created = http.post(VERSIONS, headers=designer.headers,
                        json={"bpmn_xml": xml, "change_note": "forms"}).json()
    sign = json.loads((FORMS_DIR / "certified_copy/sign.json").read_text(encoding="utf-8"))

    updated = http.put(f"{VERSIONS}/{created['number']}", headers=designer.headers, json={
        "forms": {CERTIFY: certify_with_witness(), "certified_copy/sign": sign}})

    assert updated.status_code == 200, updated.text
    assert updated.json()["forms_renamed"] == {CERTIFY: f"{CERTIFY}_2"}
    assert sorted(updated.json()["forms"]) == [f"{CERTIFY}_2", "certified_copy/sign"]
    stored = http.get(f"{VERSIONS}/{created['number']}/bpmn", headers=designer.headers).text
    assert f'value="{CERTIFY}_2"' in stored and 'value="certified_copy/sign"' in stored


def test_a_changed_intake_form_is_renamed_in_the_metadata_too(http, staff, versions_restored):
    designer = staff["designer"]
    number, xml = published(http, designer)
    meta = http.get(f"{VERSIONS}/{number}", headers=designer.headers).json()["meta"]
    intake = json.loads((FORMS_DIR / "certified_copy/intake.json").read_text(encoding="utf-8"))
    intake["title"] = "Yêu cầu chứng thực bản sao"

    created = http.post(VERSIONS, headers=designer.headers, json={
        "bpmn_xml": xml, "change_note": "intake title", "meta": meta,
        "forms": {"certified_copy/intake": intake}})

    assert created.json()["forms_renamed"] == {"certified_copy/intake": "certified_copy/intake_2"}
    assert created.json()["meta"]["intake_form"] == "certified_copy/intake_2"
    assert created.json()["problems"] == []


def test_a_draft_refused_for_its_note_renames_nothing_and_stores_nothing(
        http, staff, session, versions_restored):
    designer = staff["designer"]
    _, xml = published(http, designer)
    before = snapshot(session)

    refused = http.post(VERSIONS, headers=designer.headers, json={
        "bpmn_xml": xml, "change_note": "   ", "forms": {CERTIFY: certify_with_witness()}})

    assert refused.status_code == 422
    assert snapshot(session) == before
