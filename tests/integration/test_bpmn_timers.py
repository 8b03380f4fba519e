"""BPMN timers wait in working time, fire once when due, and a broken one keeps its deadline."""

from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from api.extensions import db
from engine.calendar import VIETNAM
from engine.dossiers import receive_dossier
from engine.due import fire_all_due
from engine.models import AuditEvent, Dossier, HumanTask, Incident, User
from engine.procedures import load_departments, load_procedure, publish_procedures
from engine.statuses import Channel
from engine.tasks import claim_task, complete_task
from tests.conftest import NOW
from tests.e2e.helpers import APPLICANT, received
from tests.scenarios import SCENARIOS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
INTAKE = SCENARIOS["certified_copy"]["intake"]
SIGN = {"signer_position": "chairman"}
MON_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
MON_1000 = datetime(2026, 3, 2, 10, 0, tzinfo=VIETNAM)
# 10:00-12:00 and 13:00-15:00: four working hours, the lunch hour skipped.
MON_1500 = datetime(2026, 3, 2, 15, 0, tzinfo=VIETNAM)
MON_1459 = datetime(2026, 3, 2, 14, 59, tzinfo=VIETNAM)


def publish_fixture(app, folder: str) -> str:
    ctx = app.extensions["motcua"]
    codes = {d["code"] for d in load_departments()}
    definition = load_procedure(FIXTURES / folder, forms=ctx.forms, department_codes=codes)
    publish_procedures(db.session, departments=[], definitions=[definition], now=NOW)
    return definition.code


@pytest.fixture
def timer_procedure(app):
    return publish_fixture(app, "timer_step")


@pytest.fixture
def broken_timer_procedure(app):
    return publish_fixture(app, "broken_timer")


def user(session, person) -> User:
    return session.get(User, person.id)


def receive(session, app, staff, procedure: str, now: datetime) -> Dossier:
    dossier, _ = receive_dossier(session, app.extensions["motcua"], procedure_code=procedure,
                                 applicant=APPLICANT, channel=Channel.COUNTER, intake=INTAKE,
                                 user=user(session, staff["reception"]), now=now)
    return dossier


def do_step(session, app, person, task: HumanTask, data: dict, now: datetime) -> None:
    ctx = app.extensions["motcua"]
    claim_task(session, ctx, task_id=task.id, user=user(session, person), now=now)
    complete_task(session, ctx, task_id=task.id, data=data, user=user(session, person), now=now)


def steps(session, dossier: Dossier, step: str) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(HumanTask.dossier_id == dossier.id,
                                                        HumanTask.step == step)))


def open_steps(session, dossier: Dossier) -> list[str]:
    return list(session.scalars(select(HumanTask.step).where(
        HumanTask.dossier_id == dossier.id, HumanTask.state.in_(("ready", "claimed")))))


@pytest.fixture
def waiting_dossier(session, app, staff, timer_procedure) -> Dossier:
    """A dossier whose `prepare` was completed at Mon 10:00, its timer waiting.

    The wall clock is moved to the use case's `now`: SpiffWorkflow itself decides with
    datetime.now() whether a timer has passed (see the explicit-now test below).
    """
    with time_machine.travel(MON_0900, tick=False) as clock:
        dossier = receive(session, app, staff, timer_procedure, MON_0900)
        (prepare,) = steps(session, dossier, "prepare")
        clock.move_to(MON_1000)
        do_step(session, app, staff["office"], prepare, SIGN, MON_1000)
    return dossier


def test_completing_prepare_sets_the_timer_four_working_hours_later(session, waiting_dossier):
    session.expire_all()

    dossier = session.get(Dossier, waiting_dossier.id)

    assert dossier.timer_due_at == MON_1500
    assert open_steps(session, dossier) == []
    assert dossier.status == 4
    assert dossier.next_due_at == MON_1500


def test_a_timer_waits_for_the_use_cases_now_not_the_wall_clock(session, app, staff,
                                                                 timer_procedure):
    # No time travel: the wall clock is long after Mon 2 Mar 2026, the use case's `now`.
    # engine/timing.py promises timers follow the use case's clock, never the wall clock;
    # SpiffWorkflow's TimeDateEventDefinition.has_fired compares with datetime.now(), so
    # the engine must not let it decide while completing a step.
    dossier = receive(session, app, staff, timer_procedure, MON_0900)
    (prepare,) = steps(session, dossier, "prepare")

    do_step(session, app, staff["office"], prepare, SIGN, MON_1000)

    session.expire_all()
    dossier = session.get(Dossier, dossier.id)
    assert open_steps(session, dossier) == []
    assert dossier.timer_due_at == MON_1500


def test_the_timer_does_not_fire_a_minute_early(session, app, waiting_dossier):
    ctx = app.extensions["motcua"]

    with time_machine.travel(MON_1459, tick=False):
        handled = fire_all_due(session, ctx, now=MON_1459)

    session.expire_all()
    dossier = session.get(Dossier, waiting_dossier.id)
    assert handled == 0
    assert open_steps(session, dossier) == []
    assert dossier.timer_due_at == MON_1500
    fired = session.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.action == "timer.fired"))
    assert fired == 0


@pytest.mark.parametrize("at", [MON_1500, datetime(2026, 3, 3, 8, 30, tzinfo=VIETNAM)],
                         ids=["when_due", "next_morning"])
def test_the_timer_opens_publish_exactly_once_even_when_fired_twice(session, app,
                                                                    waiting_dossier, at):
    ctx = app.extensions["motcua"]

    with time_machine.travel(at, tick=False):
        first = fire_all_due(session, ctx, now=at)
        second = fire_all_due(session, ctx, now=at)

    session.expire_all()
    dossier = session.get(Dossier, waiting_dossier.id)
    assert (first, second) == (1, 0)
    (publish,) = steps(session, dossier, "publish")
    assert publish.state == "ready"
    assert publish.created_at == at
    assert dossier.timer_due_at is None
    fired = session.scalars(select(AuditEvent).where(AuditEvent.action == "timer.fired")).all()
    assert [(e.dossier_code, e.after) for e in fired] == [(dossier.code, {"timers": 1})]


def test_a_broken_timer_records_an_incident_and_keeps_the_step_and_its_deadline(
        http, staff, session, broken_timer_procedure):
    office = staff["office"].headers
    with time_machine.travel(MON_0900, tick=False) as clock:
        dossier = received(http, staff["reception"], procedure=broken_timer_procedure,
                           form_data=INTAKE)
        prepare = dossier["open_steps"][0]
        claim = http.post(f"/api/v1/tasks/{prepare['id']}/claim", headers=office)
        assert claim.status_code == 200, claim.text
        state_before = session.scalars(select(Dossier.workflow_state)).one()
        clock.move_to(MON_1000)

        response = http.post(f"/api/v1/tasks/{prepare['id']}/complete", headers=office,
                             json={"form_data": SIGN})

        after = http.get(f"/api/v1/dossiers/{dossier['code']}", headers=office).json()
    assert response.status_code == 500
    error = response.json()["error"]
    assert error["code"] == "engine_incident"
    assert "days_not_in_data" in error["message"]
    session.expire_all()
    incident = session.scalars(select(Incident)).one()
    assert incident.step == "prepare"
    assert incident.id == error["details"]["incident"]
    row = session.scalars(select(Dossier)).one()
    assert row.workflow_state == state_before
    assert [(s["step"], s["state"]) for s in after["open_steps"]] == [("prepare", "claimed")]
    # Received Mon 09:00 with a 4-hour budget: due 14:00 the same day, and still scheduled.
    due_at = datetime.fromisoformat(after["open_steps"][0]["due_at"])
    assert due_at == datetime(2026, 3, 2, 14, 0, tzinfo=VIETNAM)
    assert row.next_due_at == due_at
    assert after["overdue"] is False
