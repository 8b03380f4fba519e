"""Dossiers run the procedure version they were received on, over HTTP.

Version 2 of the business household procedure gives 5 working days instead of 3, a fee of
150.000 ₫ instead of 100.000 ₫, and a review form that also asks for an inspection note.
Expected moments are counted by hand in office hours (08:00-12:00, 13:00-17:00, Monday to
Friday, Hà Nội time); March 2026 has no public holiday.
"""

import copy
import json
import re
from datetime import datetime

import pytest
import time_machine
from sqlalchemy import text

from engine.calendar import VIETNAM
from engine.models import User
from engine.passwords import set_password
from forms import FormCatalog
from tests.conftest import NOW, snapshot
from tests.e2e.helpers import BIRTH, do_step, open_step, received
from tests.e2e.staff_app import PASSWORD, csrf_token, sign_in
from tests.e2e.test_reception import BIRTH_FORM
from tests.integration.test_pinned_versions_upgrade import OTHER_MODEL
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, SUPP

HOUSEHOLD = PROCEDURE_CODES["business_household"]
VERSIONS = f"/api/v1/procedures/{HOUSEHOLD}/versions"
INTAKE = SCENARIOS["business_household"]["intake"]
REVIEW_OK = SCENARIOS["business_household"]["happy"][0][1]
SUPPLEMENT_PLEASE = SCENARIOS["business_household"]["supplement"][0][1]
V1_FORM, V2_FORM = "business_household/review", "business_household/review_pinned_v2"
NOTE = {"inspection_note": "Đã kiểm tra địa điểm kinh doanh."}

pytestmark = pytest.mark.usefixtures("versions_restored")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Return a moment of March 2026 in Hà Nội."""
    return datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM)


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
def clock():
    """Stop the clock at Monday 2 March 2026, 09:00, for the test and its live server."""
    with time_machine.travel(at(2, 9), tick=False) as traveller:
        yield traveller


def v2_changes(http, designer) -> dict:
    """Return version 2 as a draft body: the published model and metadata, changed."""
    versions = http.get(VERSIONS, headers=designer.headers).json()
    (current,) = [v for v in versions if v["state"] == "published"]
    xml = http.get(f"{VERSIONS}/{current['number']}/bpmn", headers=designer.headers).text
    meta = http.get(f"{VERSIONS}/{current['number']}", headers=designer.headers).json()["meta"]
    meta = copy.deepcopy(meta)
    meta["deadline"]["working_days"] = 5
    meta["fee"]["amount_vnd"] = 150000
    review = FormCatalog().schema(V1_FORM)
    review = {**review, "properties": {**review["properties"], "inspection_note": {
        "type": "string", "title": "Ghi chú kiểm tra", "minLength": 1, "maxLength": 500}},
        "required": [*review.get("required", []), "inspection_note"]}
    assert f'value="{V1_FORM}"' in xml
    return {"bpmn_xml": xml.replace(f'value="{V1_FORM}"', f'value="{V2_FORM}"'),
            "meta": meta, "forms": {V2_FORM: review},
            "change_note": "five working days, a new fee, an inspection note at review"}


def publish_v2(http, designer) -> int:
    drafted = http.post(VERSIONS, headers=designer.headers, json=v2_changes(http, designer))
    assert drafted.status_code == 201, drafted.text
    number = drafted.json()["number"]
    published = http.post(f"{VERSIONS}/{number}/publish", headers=designer.headers)
    assert published.status_code == 200, published.text
    return number


def dossier_of(http, staff, code: str) -> dict:
    response = http.get(f"/api/v1/dossiers/{code}", headers=staff["supervisor"].headers)
    assert response.status_code == 200, response.text
    return response.json()


def complete(http, person, task: dict, form_data: dict):
    """Claim the step unless the person holds it already, and send its form."""
    if task["state"] == "ready":
        claim = http.post(f"/api/v1/tasks/{task['id']}/claim", headers=person.headers)
        assert claim.status_code == 200, claim.text
    return http.post(f"/api/v1/tasks/{task['id']}/complete", json={"form_data": form_data},
                     headers=person.headers)


def latest_new_appointment(http, staff, code: str, session) -> datetime:
    """Ask for a new appointment far too late; return the latest the refusal allows."""
    before = snapshot(session)
    response = http.post(f"/api/v1/dossiers/{code}/apology", headers=staff["admin"].headers,
                         json={"reason": "Cần xác minh thêm.", "apology": "Xin lỗi ông/bà.",
                               "signed_by": "Lê Văn Trưởng",
                               "new_appointment_at": at(31, 9).isoformat()})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["reason"] == "appointment_too_late"
    assert snapshot(session) == before
    return when(response.json()["error"]["details"]["latest"])


def test_a_dossier_keeps_the_deadline_form_and_fee_of_its_version_after_another_is_published(
        http, staff, session, clock):
    old = received(http, staff["reception"], procedure=HOUSEHOLD, form_data=INTAKE)
    v2 = publish_v2(http, staff["designer"])

    new = received(http, staff["reception"], procedure=HOUSEHOLD, form_data=INTAKE)

    assert (old["procedure_version"], new["procedure_version"]) == (v2 - 1, v2)
    assert (old["fee_vnd"], new["fee_vnd"]) == (100000, 150000)
    assert when(old["appointment_at"]) == at(5, 9)  # 3 working days
    assert when(new["appointment_at"]) == at(9, 9)  # 5 working days
    assert [s["form"] for s in old["open_steps"]] == [V1_FORM]
    assert [s["form"] for s in new["open_steps"]] == [V2_FORM]
    # The old dossier's step validates against version 1's form, the new one's against 2's.
    refused = complete(http, staff["economic"], new["open_steps"][0], REVIEW_OK)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "invalid_form_data"
    assert complete(http, staff["economic"], {**new["open_steps"][0], "state": "claimed"},
                    {**REVIEW_OK, **NOTE}).status_code == 200
    clock.move_to(at(3, 10))
    asked = complete(http, staff["economic"], old["open_steps"][0], SUPPLEMENT_PLEASE)
    assert asked.status_code == 200, asked.text
    # Back from the supplement, the clock restarts with version 1's 3 days, not 5.
    clock.move_to(at(9, 10))
    do_step(http, staff["reception"],
            open_step(http, staff["supervisor"], old["code"], "request_supplement")["id"],
            {**SUPP, "missing_documents": SUPPLEMENT_PLEASE["missing_documents"]})
    resumed = dossier_of(http, staff, old["code"])
    assert (resumed["procedure_version"], resumed["fee_vnd"]) == (v2 - 1, 100000)
    assert when(resumed["appointment_at"]) == at(12, 10)
    assert [s["form"] for s in resumed["open_steps"]] == [V1_FORM]
    assert latest_new_appointment(http, staff, old["code"], session) == at(17, 10)
    sheets = [http.get(f"/api/v1/dossiers/{code}/control-sheet",
                       headers=staff["supervisor"].headers).json()
              for code in (old["code"], new["code"])]
    assert [sheet["procedure_version"] for sheet in sheets] == [v2 - 1, v2]


def test_a_migrated_dossier_follows_its_new_version_and_keeps_the_fee_it_was_charged(
        http, staff, session, clock):
    dossier = received(http, staff["reception"], procedure=HOUSEHOLD, form_data=INTAKE)
    v2 = publish_v2(http, staff["designer"])
    assert latest_new_appointment(http, staff, dossier["code"], session) == at(10, 9)

    moved = http.post(f"/api/v1/procedures/{HOUSEHOLD}/migrations",
                      json={"target_version": v2}, headers=staff["designer"].headers)

    assert moved.status_code == 200, moved.text
    assert moved.json() == {"moved": [dossier["code"]], "skipped": []}
    after = dossier_of(http, staff, dossier["code"])
    assert after["procedure_version"] == v2
    # The fee was assessed and the appointment promised on the receipt slip: both stay.
    assert (after["fee_vnd"], when(after["appointment_at"])) == (100000, at(5, 9))
    # The deadline rules and the open step's form are version 2's from now on.
    assert latest_new_appointment(http, staff, dossier["code"], session) == at(12, 9)
    (review,) = after["open_steps"]
    assert review["form"] == V2_FORM
    refused = complete(http, staff["economic"], review, REVIEW_OK)
    assert refused.status_code == 422, refused.text
    sheet = http.get(f"/api/v1/dossiers/{dossier['code']}/control-sheet",
                     headers=staff["supervisor"].headers).json()
    assert sheet["procedure_version"] == v2
    history = http.get(f"/api/v1/dossiers/{dossier['code']}/history",
                       headers=staff["supervisor"].headers).json()
    (event,) = [e for e in history if e["action"] == "dossier.migrated"]
    assert (event["before"]["version"], event["after"]["version"]) == (v2 - 1, v2)
    assert session.scalar(text(OTHER_MODEL)) == 0


def test_a_dossier_whose_version_changed_only_its_metadata_moves_without_touching_its_workflow(
        http, staff, session, clock):
    dossier = received(http, staff["reception"], procedure=HOUSEHOLD, form_data=INTAKE)
    body = v2_changes(http, staff["designer"])
    body["bpmn_xml"] = body["bpmn_xml"].replace(f'value="{V2_FORM}"', f'value="{V1_FORM}"')
    del body["forms"]
    drafted = http.post(VERSIONS, headers=staff["designer"].headers, json=body)
    number = drafted.json()["number"]
    assert http.post(f"{VERSIONS}/{number}/publish",
                     headers=staff["designer"].headers).status_code == 200
    state = json.loads(session.execute(
        text("SELECT workflow_state FROM dossiers")).scalar_one())
    session.commit()

    moved = http.post(f"/api/v1/procedures/{HOUSEHOLD}/migrations",
                      json={"target_version": number}, headers=staff["designer"].headers)

    assert moved.json() == {"moved": [dossier["code"]], "skipped": []}
    assert dossier_of(http, staff, dossier["code"])["procedure_version"] == number
    assert latest_new_appointment(http, staff, dossier["code"], session) == at(12, 9)
    assert json.loads(session.execute(
        text("SELECT workflow_state FROM dossiers")).scalar_one()
    ) == state


def test_a_draft_changes_neither_the_catalogue_nor_what_a_new_dossier_runs(
        http, staff, session, clock):
    body = v2_changes(http, staff["designer"])
    drafted = http.post(VERSIONS, headers=staff["designer"].headers, json=body)
    assert drafted.status_code == 201, drafted.text

    catalogue = http.get("/api/v1/public/procedures", params={"q": HOUSEHOLD}).json()
    dossier = received(http, staff["reception"], procedure=HOUSEHOLD, form_data=INTAKE)

    (entry,) = [e for e in catalogue if e["code"] == HOUSEHOLD]
    assert (entry["fee_vnd"], entry["deadline_working_days"]) == (100000, 3)
    assert dossier["procedure_version"] == drafted.json()["number"] - 1
    assert (dossier["fee_vnd"], when(dossier["appointment_at"])) == (100000, at(5, 9))
    assert [s["form"] for s in dossier["open_steps"]] == [V1_FORM]


def test_a_receipt_shown_again_lists_the_documents_of_the_dossiers_own_version(
        http, staff, session):
    for_app = session.get(User, staff["reception"].id)
    set_password(session, for_app, PASSWORD, actor="test", now=NOW)
    session.commit()
    sign_in(http, "reception")
    page = http.get(f"/tiep-nhan/{BIRTH}")
    form = {**BIRTH_FORM, "csrf_token": csrf_token(page),
            "receipt_key": re.search(r'name="receipt_key" value="([^"]+)"', page.text).group(1)}
    first = http.post(f"/tiep-nhan/{BIRTH}", data=form)
    assert first.status_code == 201, first.text
    designer = staff["designer"].headers
    versions = f"/api/v1/procedures/{BIRTH}/versions"
    (current,) = [v for v in http.get(versions, headers=designer).json()
                  if v["state"] == "published"]
    meta = http.get(f"{versions}/{current['number']}", headers=designer).json()["meta"]
    meta["required_documents"].append({"name_vi": "Sổ hộ khẩu", "name_en": "Household book",
                                       "original": True, "copies": 0})
    drafted = http.post(versions, headers=designer, json={
        "bpmn_xml": http.get(f"{versions}/{current['number']}/bpmn", headers=designer).text,
        "meta": meta, "change_note": "one more document"})
    assert http.post(f"{versions}/{drafted.json()['number']}/publish",
                     headers=designer).status_code == 200

    # The page now has a fifth document; left out, the same dossier is answered again.
    again = http.post(f"/tiep-nhan/{BIRTH}", data={**form, "document-4": "missing"})

    assert again.status_code == 201, again.text
    assert 'data-testid="pin-reissued"' in again.text
    documents = re.search(r'data-testid="receipt-documents">(.*?)</ol>', again.text, re.S)
    assert documents.group(1).count("<li>") == 4
    assert "Household book" not in again.text and "Sổ hộ khẩu" not in again.text
