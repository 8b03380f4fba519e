"""The claim, complete and deadline rules, on a dossier held in memory: no HTTP, no database.

The dossier runs the real certified-copy model from workflows/ in an InMemoryUnitOfWork, the
unit of work the trial run uses, so the rules checked here are the ones real dossiers follow.
"""

import json
from datetime import datetime

import pytest

from engine.calendar import VIETNAM, WorkingCalendar
from engine.calendar_store import CalendarSource
from engine.context import EngineContext
from engine.deadlines import StatutoryDeadline, Verdict
from engine.errors import TaskAlreadyClaimed, TaskNotClaimedByCaller, TaskNotOpen
from engine.memory_unit_of_work import InMemoryUnitOfWork
from engine.models import HumanTask, User
from engine.procedures import WORKFLOWS_DIR, load_departments, load_procedure
from engine.runtime import ProcessRuntime, StepNotReady
from engine.script_engine import create_script_engine
from engine.statuses import DossierStatus, TaskState
from engine.tasks import check_held_by, refusal_to_take
from engine.timing import TIMER_HELPERS
from forms import FormCatalog

CERTIFIED_COPY = WORKFLOWS_DIR / "certified_copy"
SAMPLES = json.loads((CERTIFIED_COPY / "samples.json").read_text(encoding="utf-8"))
MON_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
OFFICER = User(id=1, username="officer")
COLLEAGUE = User(id=2, username="colleague")


@pytest.fixture(scope="module")
def procedure():
    forms = FormCatalog()
    return load_procedure(CERTIFIED_COPY, forms=forms,
                          department_codes={d["code"] for d in load_departments()})


@pytest.fixture(scope="module")
def ctx():
    return EngineContext(
        runtime=ProcessRuntime(script_engine=create_script_engine(helpers=TIMER_HELPERS)),
        forms=FormCatalog(), calendars=CalendarSource(WORKFLOWS_DIR), agency_code="TEST",
        secret_key=b"unit tests")


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar.from_config(
        json.loads((WORKFLOWS_DIR / "calendar.json").read_text(encoding="utf-8")))


def received(ctx, procedure, calendar, now=MON_0900) -> InMemoryUnitOfWork:
    """Receive a certified-copy dossier at `now` and open its first step."""
    uow = InMemoryUnitOfWork(ctx, calendar=calendar,
                             deadline=StatutoryDeadline.of(procedure.meta), now=now)
    uow.project(uow.start(procedure.model, {**SAMPLES["intake"], "channel": 1}), actor="test")
    return uow


def the_open_step(uow: InMemoryUnitOfWork) -> HumanTask:
    (row,) = uow.open_rows.values()
    return row


def complete(ctx, uow: InMemoryUnitOfWork, row: HumanTask, data: dict):
    progress, _ = uow.advance(
        lambda workflow: ctx.runtime.complete_step(workflow, row.workflow_task_id, data))
    uow.project(progress, actor="test")
    return progress


def step(**values) -> HumanTask:
    return HumanTask(id=7, **values)


def test_a_received_dossier_waits_on_its_first_step_due_after_its_budget_of_working_hours(
        ctx, procedure, calendar):
    uow = received(ctx, procedure, calendar)

    row = the_open_step(uow)

    assert row.step == "certify"
    assert row.due_at == calendar.add_working_hours(MON_0900, row.budget_hours)
    assert uow.dossier.status == DossierStatus.PROCESSING


def test_asking_the_citizen_to_supplement_pauses_the_statutory_clock(ctx, procedure, calendar):
    uow = received(ctx, procedure, calendar)
    uow.now = datetime(2026, 3, 2, 10, 0, tzinfo=VIETNAM)

    complete(ctx, uow, the_open_step(uow), SAMPLES["steps"]["certify"]["supplement"])

    assert uow.dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert uow.dossier.clock_paused_at == uow.now
    assert [c.action for c in uow.changes][-1] == "deadline.paused"


def test_a_dossier_processed_before_its_appointment_is_judged_early_or_on_time(
        ctx, procedure, calendar):
    uow = received(ctx, procedure, calendar)
    for step_id, variant in [("certify", "approve"), ("sign", "default"),
                             ("return_result", "default")]:
        row = the_open_step(uow)
        assert row.step == step_id
        uow.now = row.due_at

        progress = complete(ctx, uow, row, SAMPLES["steps"][step_id][variant])

    assert progress.finished
    assert uow.dossier.processed_at is not None
    assert uow.dossier.outcome in (Verdict.EARLY, Verdict.ON_TIME)


def test_a_step_the_workflow_no_longer_waits_on_cannot_be_completed_again(
        ctx, procedure, calendar):
    uow = received(ctx, procedure, calendar)
    row = the_open_step(uow)
    complete(ctx, uow, row, SAMPLES["steps"]["certify"]["approve"])

    with pytest.raises(StepNotReady):
        complete(ctx, uow, row, SAMPLES["steps"]["certify"]["approve"])

    assert the_open_step(uow).step == "sign"


def test_completing_a_step_nobody_claimed_asks_to_claim_it_first():
    ready = step(state=TaskState.READY)

    with pytest.raises(TaskNotClaimedByCaller, match="claim step 7 before completing it"):
        check_held_by(ready, OFFICER)


def test_completing_a_step_someone_else_holds_is_refused():
    held = step(state=TaskState.CLAIMED, assignee_id=COLLEAGUE.id, assignee=COLLEAGUE)

    with pytest.raises(TaskNotClaimedByCaller, match="held by someone else"):
        check_held_by(held, OFFICER)


def test_completing_a_completed_step_says_it_is_no_longer_open():
    done = step(state=TaskState.COMPLETED, assignee_id=OFFICER.id)

    with pytest.raises(TaskNotOpen):
        check_held_by(done, OFFICER)


def test_the_holder_may_complete_the_step_they_claimed():
    held = step(state=TaskState.CLAIMED, assignee_id=OFFICER.id, assignee=OFFICER)

    check_held_by(held, OFFICER)

    assert held.state == TaskState.CLAIMED


def test_a_claim_lost_to_a_colleague_names_who_holds_the_step():
    taken = step(state=TaskState.CLAIMED, assignee_id=COLLEAGUE.id, assignee=COLLEAGUE)

    refusal = refusal_to_take(taken, OFFICER)

    assert isinstance(refusal, TaskAlreadyClaimed)
    assert "held by colleague" in str(refusal)


def test_claiming_a_step_you_already_hold_says_so():
    mine = step(state=TaskState.CLAIMED, assignee_id=OFFICER.id, assignee=OFFICER)

    refusal = refusal_to_take(mine, OFFICER)

    assert isinstance(refusal, TaskAlreadyClaimed)
    assert str(refusal) == "you already hold step 7"


def test_claiming_a_cancelled_step_says_it_is_not_open():
    cancelled = step(state=TaskState.CANCELLED)

    refusal = refusal_to_take(cancelled, OFFICER)

    assert isinstance(refusal, TaskNotOpen)
