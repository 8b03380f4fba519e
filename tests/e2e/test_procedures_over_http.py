"""Every procedure in workflows/ runs end to end over HTTP, by users of the right departments."""

import pytest

from tests.e2e.helpers import APPLICANT
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, WORKER

PATHS = [(folder, path) for folder in SCENARIOS for path in ("happy", "supplement", "refusal")
         if path in SCENARIOS[folder]]
FINAL_STATUS = {"happy": 10, "supplement": 10, "refusal": 3}


def drive(http, staff, folder: str, path: str) -> dict:
    """Receive a dossier of the procedure and work its steps; return the final dossier."""
    reception = staff["reception"]
    code = PROCEDURE_CODES[folder]
    response = http.post("/api/v1/dossiers", headers=reception.headers, json={
        "procedure_code": code, "applicant": APPLICANT, "channel": 1,
        "form_data": SCENARIOS[folder]["intake"]})
    assert response.status_code == 201, response.text
    dossier = response.json()
    for step, form_data in SCENARIOS[folder][path]:
        opened = [s for s in dossier["open_steps"] if s["step"] == step]
        assert len(opened) == 1, f"expected {step}, open: {dossier['open_steps']}"
        task = opened[0]
        worker = staff[WORKER[(task["department"], task["required_role"])]]
        claim = http.post(f"/api/v1/tasks/{task['id']}/claim", headers=worker.headers)
        assert claim.status_code == 200, claim.text
        done = http.post(f"/api/v1/tasks/{task['id']}/complete", headers=worker.headers,
                         json={"form_data": form_data})
        assert done.status_code == 200, done.text
        dossier = http.get(f"/api/v1/dossiers/{dossier['code']}", headers=reception.headers).json()
    return dossier


@pytest.mark.parametrize(("folder", "path"), PATHS)
def test_procedure_runs_to_its_end_over_http(http, staff, folder, path):
    dossier = drive(http, staff, folder, path)

    assert dossier["status"] == FINAL_STATUS[path]
    assert dossier["open_steps"] == []
    assert dossier["finished_at"] is not None
    history = http.get(f"/api/v1/dossiers/{dossier['code']}/history",
                       headers=staff["supervisor"].headers).json()
    completed = [e["after"]["step"] for e in history if e["action"] == "task.completed"]
    assert completed == [step for step, _ in SCENARIOS[folder][path]]


def test_supplement_request_shows_status_5_until_the_citizen_supplements(http, staff):
    reception = staff["reception"]
    scenario = SCENARIOS["birth_registration"]
    dossier = http.post("/api/v1/dossiers", headers=reception.headers, json={
        "procedure_code": PROCEDURE_CODES["birth_registration"], "applicant": APPLICANT,
        "form_data": scenario["intake"]}).json()
    review = dossier["open_steps"][0]
    http.post(f"/api/v1/tasks/{review['id']}/claim", headers=staff["office"].headers)

    http.post(f"/api/v1/tasks/{review['id']}/complete", headers=staff["office"].headers,
              json={"form_data": scenario["supplement"][0][1]})

    now = http.get(f"/api/v1/dossiers/{dossier['code']}", headers=reception.headers).json()
    assert now["status"] == 5
    assert [(s["step"], s["department"]) for s in now["open_steps"]] == [
        ("request_supplement", "RECEPTION")]


def test_the_citizen_sees_status_but_no_personal_data_with_the_pin(http, staff):
    receipt = http.post("/api/v1/dossiers", headers=staff["reception"].headers, json={
        "procedure_code": PROCEDURE_CODES["certified_copy"], "applicant": APPLICANT,
        "form_data": SCENARIOS["certified_copy"]["intake"]}).json()

    response = http.get(f"/api/v1/public/dossiers/{receipt['code']}",
                        headers={"X-Dossier-PIN": receipt["pin"]})

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == receipt["code"]
    assert body["status"] == 4
    assert body["status_label_vi"] == "Đang xử lý"
    assert APPLICANT["full_name"] not in response.text
    assert APPLICANT["id_number"] not in response.text
    assert "pin" not in body


def test_a_wrong_pin_reveals_nothing(http, staff):
    receipt = http.post("/api/v1/dossiers", headers=staff["reception"].headers, json={
        "procedure_code": PROCEDURE_CODES["certified_copy"], "applicant": APPLICANT,
        "form_data": SCENARIOS["certified_copy"]["intake"]}).json()
    wrong = f"{(int(receipt['pin']) + 1) % 1_000_000:06d}"

    response = http.get(f"/api/v1/public/dossiers/{receipt['code']}",
                        headers={"X-Dossier-PIN": wrong})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "dossier_not_found"


def test_certified_copy_fee_follows_the_per_page_rule(http, staff):
    intake = {**SCENARIOS["certified_copy"]["intake"], "pages": 3, "copies": 2}

    receipt = http.post("/api/v1/dossiers", headers=staff["reception"].headers, json={
        "procedure_code": PROCEDURE_CODES["certified_copy"], "applicant": APPLICANT,
        "form_data": intake}).json()

    # 2 pages at 2,000 + 1 page at 1,000 = 5,000 VND per copy, two copies.
    assert receipt["fee_vnd"] == 10_000
