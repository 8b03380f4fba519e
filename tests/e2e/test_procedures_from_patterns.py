"""A designer creates a procedure from the generic pattern over HTTP; it runs once published."""

import pytest

from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT

NEW = {"code": "MC.TEST.001", "name_vi": "Xác nhận tình trạng thử nghiệm",
       "name_en": "Confirmation of a test status", "department": "CULTURE_SOCIAL",
       "working_days": 3, "pattern": "generic"}
GENERIC_INTAKE = {"request_summary": "Đề nghị xác nhận tình trạng thử nghiệm của gia đình."}
SUPPLEMENT = {"missing_documents": ["Tờ khai (bản chính)"], "supplement_received": True}
GENERIC_STEPS = {
    "happy": [("receive", {"digitisation": "digitised"}),
              ("handle", {"handle_decision": "approve",
                          "draft_summary": "Đủ điều kiện xác nhận theo đề nghị."}),
              ("check", {"draft_checked": True}), ("sign", {"signer_position": "chairman"}),
              ("return_result", {"return_channel": "counter"})],
    "supplement": [("receive", {"digitisation": "digitised"}),
                   ("handle", {"handle_decision": "supplement",
                               "missing_documents": ["Tờ khai (bản chính)"]}),
                   ("request_supplement", SUPPLEMENT),
                   ("handle", {"handle_decision": "approve",
                               "draft_summary": "Đủ điều kiện sau khi bổ sung."}),
                   ("check", {"draft_checked": True}),
                   ("sign", {"signer_position": "vice_chairman"}),
                   ("return_result", {"return_channel": "post"})],
    "refusal": [("receive", {"digitisation": "not_required"}),
                ("handle", {"handle_decision": "refuse",
                            "refusal_reason": "Không thuộc thẩm quyền giải quyết của xã."})],
}
FINAL_STATUS = {"happy": 10, "supplement": 10, "refusal": 3}


def worker_of(staff, task: dict):
    """Return the test user of the step's department and role."""
    names = {("RECEPTION", None): "reception", ("LEADERSHIP", "leader"): "leader",
             ("CULTURE_SOCIAL", None): "culture", ("CULTURE_SOCIAL", "head"): "culture_head",
             ("ECONOMIC", None): "economic", ("ECONOMIC", "head"): "economic_head",
             ("OFFICE", None): "office", ("OFFICE", "head"): "office_head"}
    return staff[names[(task["department"], task["required_role"])]]


def run_generic_dossier(http, staff, code: str, path: str = "happy") -> dict:
    """Receive a dossier on a generic-pattern procedure and work it to its end."""
    reception = staff["reception"]
    response = http.post("/api/v1/dossiers", headers=reception.headers, json={
        "procedure_code": code, "applicant": APPLICANT, "channel": 1,
        "form_data": GENERIC_INTAKE})
    assert response.status_code == 201, response.text
    dossier = response.json()
    for step, form_data in GENERIC_STEPS[path]:
        task = next(s for s in dossier["open_steps"] if s["step"] == step)
        worker = worker_of(staff, task)
        claim = http.post(f"/api/v1/tasks/{task['id']}/claim", headers=worker.headers)
        assert claim.status_code == 200, claim.text
        done = http.post(f"/api/v1/tasks/{task['id']}/complete", headers=worker.headers,
                         json={"form_data": form_data})
        assert done.status_code == 200, done.text
        dossier = http.get(f"/api/v1/dossiers/{dossier['code']}",
                           headers=reception.headers).json()
    return dossier


def test_a_new_procedure_starts_as_a_valid_draft_version_1(http, staff, versions_restored):
    response = http.post("/api/v1/procedures", headers=staff["designer"].headers, json=NEW)

    assert response.status_code == 201, response.text
    draft = response.json()
    assert (draft["procedure_code"], draft["number"], draft["state"]) == (NEW["code"], 1, "draft")
    assert draft["problems"] == []
    assert draft["meta"]["department"] == "CULTURE_SOCIAL"
    assert draft["meta"]["deadline"]["working_days"] == 3
    versions = http.get(f"/api/v1/procedures/{NEW['code']}/versions",
                        headers=staff["designer"].headers).json()
    assert [(v["number"], v["state"]) for v in versions] == [(1, "draft")]


def test_an_unpublished_procedure_is_neither_posted_nor_received(http, staff, versions_restored):
    http.post("/api/v1/procedures", headers=staff["designer"].headers, json=NEW)

    catalogue = http.get("/api/v1/public/procedures", params={"q": NEW["name_vi"]}).json()
    receipt = http.post("/api/v1/dossiers", headers=staff["reception"].headers, json={
        "procedure_code": NEW["code"], "applicant": APPLICANT, "form_data": GENERIC_INTAKE})

    assert catalogue == []
    assert receipt.status_code == 404


@pytest.mark.parametrize("path", list(GENERIC_STEPS))
def test_once_published_a_dossier_runs_to_its_end_on_the_pattern(http, staff, versions_restored,
                                                                 path):
    http.post("/api/v1/procedures", headers=staff["designer"].headers, json=NEW)
    published = http.post(f"/api/v1/procedures/{NEW['code']}/versions/1/publish",
                          headers=staff["designer"].headers)
    assert published.status_code == 200, published.text

    dossier = run_generic_dossier(http, staff, NEW["code"], path)

    assert dossier["status"] == FINAL_STATUS[path]
    assert dossier["open_steps"] == []
    assert dossier["finished_at"] is not None


def test_a_same_day_procedure_is_drawn_with_one_working_day_of_budgets(http, staff,
                                                                      versions_restored):
    body = {**NEW, "working_days": 0, "same_day": True, "department": "OFFICE"}

    draft = http.post("/api/v1/procedures", headers=staff["admin"].headers, json=body).json()

    assert draft["problems"] == []
    assert draft["meta"]["deadline"]["same_day"] is True


def test_a_code_already_used_is_refused_with_409_and_nothing_changed(http, staff, session):
    before = snapshot(session)

    response = http.post("/api/v1/procedures", headers=staff["designer"].headers,
                         json={**NEW, "code": "1.001193"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "procedure_exists"
    assert snapshot(session) == before


@pytest.mark.parametrize(("change", "status"), [
    ({"department": "RECEPTION"}, 422), ({"department": "NOWHERE"}, 422),
    ({"department": "LAND_BRANCH"}, 422), ({"working_days": 0}, 422),
    ({"working_days": -1}, 422), ({"working_days": "năm"}, 422), ({"code": "có dấu"}, 422),
    ({"code": ""}, 422), ({"pattern": "camunda"}, 422), ({"name_vi": ""}, 422),
    ({"name_vi": "x" * 301}, 422)])
def test_bad_input_is_refused_and_nothing_changed(http, staff, session, change, status):
    before = snapshot(session)

    response = http.post("/api/v1/procedures", headers=staff["designer"].headers,
                         json={**NEW, **change})

    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]
    assert snapshot(session) == before


def test_only_designers_and_admins_create_procedures(http, staff, session):
    before = snapshot(session)

    response = http.post("/api/v1/procedures", headers=staff["reception"].headers, json=NEW)

    assert response.status_code == 403
    assert snapshot(session) == before
