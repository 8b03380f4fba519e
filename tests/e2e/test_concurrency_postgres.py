"""Races decided once on PostgreSQL: claims, receipts, and completions on one dossier."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

import pytest
from sqlalchemy import func, select

from api.extensions import db
from engine.models import AuditEvent, HumanTask
from engine.procedures import load_departments, load_procedure, publish_procedures
from tests.conftest import NOW
from tests.e2e.helpers import received
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def race(calls):
    """Run the calls at the same moment from separate threads; return their results in order."""
    barrier = Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_twenty_concurrent_claims_have_exactly_one_winner(pg_only, http, staff, session):
    task = received(http, staff["reception"])["open_steps"][0]
    office = staff["office"].headers

    responses = race([lambda: http.post(f"/api/v1/tasks/{task['id']}/claim", headers=office)
                      for _ in range(20)])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19
    claimed = session.scalars(select(AuditEvent).where(AuditEvent.action == "task.claimed")).all()
    assert len(claimed) == 1


def test_twenty_officers_racing_for_one_step_have_one_winner(pg_only, http, staff, session, app):
    from engine.accounts import create_user
    task = received(http, staff["reception"])["open_steps"][0]
    tokens = [create_user(db.session, username=f"racer{i}", role="officer",
                          department_code="OFFICE", now=NOW)[1] for i in range(20)]

    responses = race([
        (lambda t=t: http.post(f"/api/v1/tasks/{task['id']}/claim",
                               headers={"Authorization": f"Bearer {t}"})) for t in tokens])

    winners = [r for r in responses if r.status_code == 200]
    assert len(winners) == 1
    assert sorted(r.status_code for r in responses if r is not winners[0]) == [409] * 19
    session.expire_all()
    row = session.get(HumanTask, task["id"])
    assert row.state == "claimed"
    assert row.assignee.username == winners[0].json()["assignee"]


def test_fifty_concurrent_receipts_get_fifty_distinct_codes(pg_only, http, staff, session):
    reception = staff["reception"]
    body = {"procedure_code": PROCEDURE_CODES["certified_copy"],
            "applicant": {"full_name": "Trần Văn C", "id_number": "001099000123"},
            "form_data": SCENARIOS["certified_copy"]["intake"]}

    responses = race([lambda: http.post("/api/v1/dossiers", json=body, headers=reception.headers)
                      for _ in range(50)])

    assert [r.status_code for r in responses] == [201] * 50
    codes = {r.json()["code"] for r in responses}
    assert len(codes) == 50
    numbers = sorted(int(code.rsplit("-", 1)[1]) for code in codes)
    assert numbers == list(range(1, 51))


@pytest.fixture
def parallel_procedure(app):
    ctx = app.extensions["motcua"]
    codes = {d["code"] for d in load_departments()}
    definition = load_procedure(FIXTURES / "parallel_review", forms=ctx.forms,
                                department_codes=codes)
    publish_procedures(db.session, departments=[], definitions=[definition], now=NOW)
    return definition.code


def test_concurrent_completions_of_one_dossier_never_lose_an_update(
        pg_only, http, staff, session, parallel_procedure):
    for _ in range(5):
        dossier = received(http, staff["reception"], procedure=parallel_procedure,
                           form_data=SCENARIOS["certified_copy"]["intake"])
        steps = {s["step"]: s for s in dossier["open_steps"]}
        office, economic = staff["office"], staff["economic"]
        for step, person in (("office_opinion", office), ("economic_opinion", economic)):
            claim = http.post(f"/api/v1/tasks/{steps[step]['id']}/claim", headers=person.headers)
            assert claim.status_code == 200

        completions = [(steps["office_opinion"]["id"], {"signer_position": "chairman"}, office),
                       (steps["economic_opinion"]["id"], {"return_channel": "post"}, economic)]

        responses = race([
            lambda task_id=task_id, data=data, person=person: http.post(
                f"/api/v1/tasks/{task_id}/complete", json={"form_data": data},
                headers=person.headers)
            for task_id, data, person in completions])

        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        after = http.get(f"/api/v1/dossiers/{dossier['code']}",
                         headers=staff["supervisor"].headers).json()
        assert [s["step"] for s in after["open_steps"]] == ["sign"]
    completed = session.scalar(select(func.count()).select_from(HumanTask)
                               .where(HumanTask.state == "completed"))
    assert completed == 10
