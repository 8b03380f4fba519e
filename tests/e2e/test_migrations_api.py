"""Moving dossiers between model versions and trial runs, over HTTP."""

import pytest

from tests.conftest import snapshot
from tests.e2e.helpers import do_step, open_step, received
from tests.integration.test_migration import (  # noqa: F401 - restore_versions is a fixture
    publish,
    published,
    restore_versions,
    with_step_after_head_approval,
    without_review,
    xml_of,
)
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

HOUSEHOLD = PROCEDURE_CODES["business_household"]
INTAKE = SCENARIOS["business_household"]["intake"]
REVIEW_OK = SCENARIOS["business_household"]["happy"][0][1]
API = f"/api/v1/procedures/{HOUSEHOLD}"

pytestmark = pytest.mark.usefixtures("restore_versions")


@pytest.fixture
def two_dossiers(http, staff):
    """One household dossier waiting at review, one at head_approval."""
    at_review = received(http, staff["reception"], procedure=HOUSEHOLD, form_data=INTAKE)
    at_head = received(http, staff["reception"], procedure=HOUSEHOLD, form_data=INTAKE)
    do_step(http, staff["economic"], at_head["open_steps"][0]["id"], REVIEW_OK)
    return at_review["code"], at_head["code"]


@pytest.fixture
def v1(session):
    return published(session, HOUSEHOLD)


def test_a_designer_plans_then_moves_the_running_dossiers(http, staff, session, v1,
                                                         two_dossiers):
    at_review, at_head = two_dossiers
    v2 = publish(session, v1, with_step_after_head_approval(xml_of(session, v1)), "v2")
    designer = staff["designer"].headers

    plan = http.post(f"{API}/migrations/plan", json={"target_version": v2.number},
                     headers=designer)
    moved = http.post(f"{API}/migrations", json={"target_version": v2.number},
                      headers=designer)

    assert plan.status_code == 200, plan.text
    assert plan.json() == [
        {"dossier_code": code, "from_hash": v1.spec_hash, "from_version": v1.number,
         "can_move": True, "reason": None} for code in (at_review, at_head)]
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"moved": [at_review, at_head], "skipped": []}
    head_step = open_step(http, staff["economic_head"], at_head, "head_approval")
    do_step(http, staff["economic_head"], head_step["id"],
            SCENARIOS["business_household"]["happy"][1][1])
    assert open_step(http, staff["economic"], at_head, "publish_notice")
    history = http.get(f"/api/v1/dossiers/{at_head}/history",
                       headers=staff["supervisor"].headers).json()
    (event,) = [e for e in history if e["action"] == "dossier.migrated"]
    assert (event["before"], event["after"]) == (
        {"spec_hash": v1.spec_hash, "version": v1.number},
        {"spec_hash": v2.spec_hash, "version": v2.number})


def test_a_dossier_that_cannot_move_is_listed_with_the_reason(http, staff, session, v1,
                                                              two_dossiers):
    at_review, at_head = two_dossiers
    v3 = publish(session, v1, without_review(xml_of(session, v1)), "v3")

    plan = http.post(f"{API}/migrations/plan", json={"target_version": v3.number},
                     headers=staff["admin"].headers)
    moved = http.post(f"{API}/migrations", headers=staff["admin"].headers,
                      json={"target_version": v3.number, "dossier_codes": [at_review]})

    assert plan.status_code == 200, plan.text
    reasons = {c["dossier_code"]: (c["can_move"], c["reason"].split(":")[0])
               for c in plan.json()}
    assert reasons == {at_review: (False, "its current step was removed"),
                       at_head: (False, "the change touches a completed step")}
    assert moved.status_code == 200, moved.text
    assert moved.json()["moved"] == []
    assert [s["dossier_code"] for s in moved.json()["skipped"]] == [at_review]


@pytest.mark.parametrize("person", ["economic", "economic_head", "supervisor"])
def test_staff_other_than_designers_and_admins_get_403(http, staff, v1, person):
    headers = staff[person].headers

    plan = http.post(f"{API}/migrations/plan", json={"target_version": v1.number},
                     headers=headers)
    moved = http.post(f"{API}/migrations", json={"target_version": v1.number}, headers=headers)

    assert [plan.status_code, moved.status_code] == [403, 403]
    assert plan.json()["error"]["code"] == "not_permitted"
    assert moved.json()["error"]["details"]["reason"] == "designers_only"


def test_an_unknown_version_or_procedure_is_404(http, staff, v1):
    designer = staff["designer"].headers

    plan = http.post(f"{API}/migrations/plan", json={"target_version": 99}, headers=designer)
    moved = http.post(f"{API}/migrations", json={"target_version": 99}, headers=designer)
    trial = http.post(f"{API}/versions/99/trial-run", json={}, headers=designer)
    unknown = http.post("/api/v1/procedures/NO.SUCH/migrations/plan",
                        json={"target_version": 1}, headers=designer)

    assert [r.status_code for r in (plan, moved, trial, unknown)] == [404] * 4
    assert {r.json()["error"]["code"] for r in (plan, moved, trial)} == {"version_not_found"}
    assert plan.json()["error"]["details"] == {"code": HOUSEHOLD, "number": 99}
    assert unknown.json()["error"]["code"] == "procedure_not_found"


def test_a_migration_request_without_a_target_version_is_422(http, staff):
    response = http.post(f"{API}/migrations", json={"dossier_codes": []},
                         headers=staff["designer"].headers)

    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["details"]["fields"]}
    assert fields == {"target_version", "dossier_codes"}


@pytest.mark.parametrize("person", ["economic", "economic_head", "reception", "leader"])
def test_a_trial_run_runs_draft_scripts_so_other_roles_get_403(http, staff, session, v1, person):
    before = snapshot(session)

    response = http.post(f"{API}/versions/{v1.number}/trial-run", json={},
                         headers=staff[person].headers)

    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "not_permitted"
    assert response.json()["error"]["details"]["reason"] == "designers_only"
    assert snapshot(session) == before


def test_a_designer_test_runs_a_version_and_nothing_is_written(http, staff, session, v1):
    before = snapshot(session)

    response = http.post(f"{API}/versions/{v1.number}/trial-run",
                         json={"start_at": "2026-03-02T09:00:00+07:00",
                               "decisions": {"review": ["supplement", "approve"]}},
                         headers=staff["designer"].headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert [(s["step"], s["variant"]) for s in body["path"]] == [
        ("review", "supplement"), ("request_supplement", "default"), ("review", "approve"),
        ("head_approval", "default"), ("return_result", "default")]
    assert body["path"][0] == {
        "step": "review", "name": "Thẩm định hồ sơ, dự thảo Giấy chứng nhận đăng ký hộ kinh doanh",
        "department": "ECONOMIC", "ready_at": "2026-03-02T09:00:00+07:00",
        "due_at": "2026-03-04T09:00:00+07:00", "completed_at": "2026-03-04T09:00:00+07:00",
        "variant": "supplement"}
    assert (body["finished"], body["status"], body["status_label_vi"], body["error"]) == (
        True, 10, "Đã trả kết quả", None)
    assert body["first_appointment_at"] == "2026-03-05T09:00:00+07:00"
    assert body["appointment_at"] == "2026-03-30T09:00:00+07:00"
    assert (body["outcome"], body["within_appointment"]) == ("on_time", True)
    assert snapshot(session) == before


def test_a_trial_run_of_a_step_without_sample_data_is_422(http, staff, session, v1):
    v2 = publish(session, v1, with_step_after_head_approval(xml_of(session, v1)), "v2")

    response = http.post(f"{API}/versions/{v2.number}/trial-run",
                         json={"start_at": "2026-03-02T09:00:00+07:00"},
                         headers=staff["designer"].headers)

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "samples_missing"
    assert error["details"] == {"step": "publish_notice", "reason": "no_step_samples"}
    assert error["message"] == "Bước publish_notice chưa có dữ liệu mẫu trong samples.json."


def test_a_trial_run_needs_an_aware_start_and_known_decisions(http, staff, v1):
    url, headers = f"{API}/versions/{v1.number}/trial-run", staff["designer"].headers

    naive = http.post(url, json={"start_at": "2026-03-02T09:00:00"}, headers=headers)
    unknown = http.post(url, json={"decisions": {"sign": "approve"}}, headers=headers)

    assert [naive.status_code, unknown.status_code] == [422, 422]
    assert naive.json()["error"]["details"]["fields"][0]["field"] == "start_at"
    assert unknown.json()["error"]["details"]["reason"] == "unknown_step"
