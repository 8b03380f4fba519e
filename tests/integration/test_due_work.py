"""Due work fires once: reminders, escalations, abandoned supplements, worker restarts, races."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from api.extensions import db
from api.scheduling import due_pass
from engine.calendar import VIETNAM
from engine.dossiers import receive_dossier
from engine.due import earliest_due, fire_all_due
from engine.models import AuditEvent, Dossier, HumanTask, Notification, User
from engine.scheduler import DueWorker, wall_clock
from engine.statuses import Channel
from engine.tasks import claim_task, complete_task
from tests.e2e.helpers import APPLICANT
from tests.scenarios import PROCEDURE_CODES, SCENARIOS


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Return a moment of March 2026 in Hà Nội."""
    return datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM)


# Mon 2 Mar 2026 09:00. Birth registration: `review` (4 h) due 14:00, appointment 17:00.
# Business household: `review` (16 h) due Wed 4 Mar 09:00, reminded Tue 09:00;
# appointment (3 working days) Thu 5 Mar 09:00, reminded Wed 09:00.
RECEIVED = at(2, 9)
HOUSEHOLD = SCENARIOS["business_household"]


def user(session, person) -> User:
    return session.get(User, person.id)


def receive(session, app, staff, folder: str, now: datetime = RECEIVED) -> Dossier:
    dossier, _ = receive_dossier(session, app.extensions["motcua"],
                                 procedure_code=PROCEDURE_CODES[folder], applicant=APPLICANT,
                                 channel=Channel.COUNTER, intake=SCENARIOS[folder]["intake"],
                                 user=user(session, staff["reception"]), now=now)
    return dossier


def open_step(session, dossier: Dossier, step: str) -> HumanTask:
    (task,) = session.scalars(select(HumanTask).where(
        HumanTask.dossier_id == dossier.id, HumanTask.step == step,
        HumanTask.state.in_(("ready", "claimed"))))
    return task


def do_step(session, app, person, dossier: Dossier, step: str, data: dict,
            now: datetime) -> HumanTask:
    ctx = app.extensions["motcua"]
    task = open_step(session, dossier, step)
    claim_task(session, ctx, task_id=task.id, user=user(session, person), now=now)
    return complete_task(session, ctx, task_id=task.id, data=data,
                         user=user(session, person), now=now)


def recipients(session, kind: str, **where) -> Counter:
    """Count the notifications of a kind per recipient's username."""
    query = (select(User.username).join(Notification, Notification.recipient_id == User.id)
             .where(Notification.kind == kind))
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    return Counter(session.scalars(query))


def audited(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id)))


def fire(session, app, now: datetime) -> int:
    return fire_all_due(session, app.extensions["motcua"], now=now)


def test_a_step_overdue_while_no_scheduler_ran_is_escalated_exactly_once(session, app, staff):
    dossier = receive(session, app, staff, "birth_registration")

    handled = [fire(session, app, at(2, 15)), fire(session, app, at(2, 15, 30))]

    session.expire_all()
    assert handled == [1, 0]
    assert recipients(session, "step.overdue") == {"office_head": 1, "supervisor": 1}
    review = open_step(session, dossier, "review")
    assert review.escalated_at == at(2, 15)
    assert [(e.dossier_code, e.task_id) for e in audited(session, "task.escalated")] == [
        (dossier.code, review.id)]
    # The appointment (17:00) has not passed: the dossier itself is not overdue yet.
    assert recipients(session, "dossier.overdue") == {}


def test_a_step_is_reminded_one_working_day_before_it_is_due_once(session, app, staff):
    dossier = receive(session, app, staff, "business_household")
    review = open_step(session, dossier, "review")
    claim_task(session, app.extensions["motcua"], task_id=review.id,
               user=user(session, staff["economic"]), now=at(2, 10))

    early = fire(session, app, at(3, 8, 59))
    on_time = fire(session, app, at(3, 9))
    again = fire(session, app, at(3, 11))

    session.expire_all()
    assert (early, on_time, again) == (0, 1, 0)
    assert recipients(session, "step.reminder") == {"economic": 1, "economic_head": 1}
    reminder = session.scalars(select(Notification)
                               .where(Notification.kind == "step.reminder")).first()
    assert reminder.due_at == at(4, 9)
    assert session.get(HumanTask, review.id).reminded_at == at(3, 9)
    assert len(audited(session, "task.reminded")) == 1


def test_the_dossier_is_reminded_before_its_appointment_and_escalated_after_it_once_each(
        session, app, staff):
    receive(session, app, staff, "business_household")
    moments = [at(4, 8, 59), at(4, 9), at(4, 12), at(5, 8, 59), at(5, 9), at(5, 10)]

    for moment in moments:
        fire(session, app, moment)

    session.expire_all()
    sent = {moment: (recipients(session, "dossier.reminder", created_at=moment)
                     + recipients(session, "dossier.overdue", created_at=moment))
            for moment in moments}
    assert sent == {
        at(4, 8, 59): {},
        at(4, 9): {"economic_head": 1},
        at(4, 12): {},
        at(5, 8, 59): {},
        at(5, 9): {"economic_head": 1, "supervisor": 1},
        at(5, 10): {},
    }
    assert recipients(session, "dossier.overdue") == {"economic_head": 1, "supervisor": 1}
    assert len(audited(session, "dossier.reminded")) == 1
    assert len(audited(session, "dossier.escalated")) == 1
    dossier = session.scalars(select(Dossier)).one()
    assert (dossier.reminded_at, dossier.escalated_at) == (at(4, 9), at(5, 9))


@pytest.fixture
def waiting_for_supplement(session, app, staff) -> Dossier:
    """A business household whose review asked for a supplement on Tue 3 Mar at 10:00."""
    dossier = receive(session, app, staff, "business_household")
    do_step(session, app, staff["economic"], dossier, "review", HOUSEHOLD["supplement"][0][1],
            at(3, 10))
    session.refresh(dossier)
    assert dossier.status == 5
    return dossier


# Fifteen working days after Tue 3 Mar 10:00 is Tue 24 Mar 10:00 (no holiday in March 2026).
@pytest.mark.parametrize("moment", [at(23, 10), at(24, 9, 59)], ids=["14_days", "a_minute_early"])
def test_a_dossier_waiting_less_than_fifteen_working_days_stays_open(
        session, app, waiting_for_supplement, moment):
    dossier = waiting_for_supplement

    fire(session, app, moment)

    session.expire_all()
    dossier = session.get(Dossier, dossier.id)
    assert dossier.status == 5
    assert dossier.finished_at is None
    assert open_step(session, dossier, "request_supplement").state == "ready"
    assert audited(session, "dossier.closed") == []
    assert recipients(session, "dossier.closed") == {}


@pytest.mark.parametrize("moment", [at(24, 10), at(27, 16)], ids=["when_due", "days_later"])
def test_a_dossier_waiting_fifteen_working_days_for_a_supplement_is_closed(
        session, app, waiting_for_supplement, moment):
    dossier = waiting_for_supplement
    request = open_step(session, dossier, "request_supplement")

    handled = [fire(session, app, moment), fire(session, app, moment)]

    session.expire_all()
    dossier = session.get(Dossier, dossier.id)
    assert dossier.status == 8
    assert dossier.finished_at == moment
    assert session.get(HumanTask, request.id).state == "cancelled"
    closed = audited(session, "dossier.closed")
    assert [(e.dossier_code, e.before, e.after["status"]) for e in closed] == [
        (dossier.code, {"status": 5}, 8)]
    assert recipients(session, "dossier.closed") == {"supervisor": 1}
    # Nothing is due any more: a second pass must not close (and notify) again.
    assert dossier.next_due_at is None
    assert handled == [1, 0]


def test_next_due_at_is_the_earliest_pending_item(session, app, staff):
    dossier = receive(session, app, staff, "business_household")
    seen = [(dossier.next_due_at, earliest_due(session))]

    for moment in (at(3, 9), at(4, 9), at(5, 9)):
        fire(session, app, moment)
        session.expire_all()
        seen.append((session.get(Dossier, dossier.id).next_due_at, earliest_due(session)))

    assert seen == [
        (at(3, 9), at(3, 9)),  # the review's reminder
        (at(4, 9), at(4, 9)),  # the review's due time and the dossier's reminder
        (at(5, 9), at(5, 9)),  # the appointment
        (None, None),  # everything fired; nothing is due until someone acts
    ]


def test_next_due_at_is_none_once_the_dossier_is_processed_and_finished(session, app, staff):
    dossier = receive(session, app, staff, "business_household")
    (review, review_data), (approval, approval_data), (back, back_data) = HOUSEHOLD["happy"]
    do_step(session, app, staff["economic"], dossier, review, review_data, at(2, 10))
    do_step(session, app, staff["economic_head"], dossier, approval, approval_data, at(2, 11))
    session.refresh(dossier)
    processed = (dossier.status, dossier.next_due_at)

    do_step(session, app, staff["reception"], dossier, back, back_data, at(2, 13))

    session.refresh(dossier)
    assert processed == (9, None)
    assert (dossier.status, dossier.next_due_at) == (10, None)
    assert fire(session, app, at(31, 17)) == 0
    assert session.scalar(select(func.count()).select_from(Notification)) == 0


class FakeClockRun:
    """The worker's own pass (api.scheduling.due_pass) on a fake clock, signalling each run."""

    def __init__(self, app, now: datetime):
        self.now = now
        self.runs: list[datetime] = []
        self.ran = threading.Event()
        self._pass = due_pass(app)

    def clock(self) -> datetime:
        return self.now

    def fire(self, now: datetime) -> datetime | None:
        try:
            self.runs.append(now)
            return self._pass(now)
        finally:
            # The fake clock lies in the wall clock's past, so the worker's next run would be
            # due at once, again and again: move it a day ahead of the wall clock to idle.
            self.now = wall_clock() + timedelta(days=1)
            self.ran.set()


def run_worker_once(app, now: datetime) -> FakeClockRun:
    """Start a worker whose clock reads `now`, wait for its catch-up run, and stop it."""
    run = FakeClockRun(app, now)
    worker = DueWorker(run.fire, clock=run.clock)
    worker.start()
    try:
        assert run.ran.wait(timeout=30), "the worker did not catch up within 30 s"
    finally:
        worker.stop()
    return run


def test_a_started_worker_catches_up_and_a_restarted_one_escalates_nothing_again(
        session, app, staff):
    dossier = receive(session, app, staff, "birth_registration")
    session.commit()

    first = run_worker_once(app, at(2, 15))
    restarted = run_worker_once(app, at(2, 15))

    session.expire_all()
    assert first.runs == restarted.runs == [at(2, 15)]
    assert recipients(session, "step.overdue") == {"office_head": 1, "supervisor": 1}
    [escalation] = audited(session, "task.escalated")
    assert escalation.seq is not None, "the worker's pass seals what it wrote"
    assert open_step(session, dossier, "review").escalated_at == at(2, 15)


def test_stopping_a_worker_in_the_middle_of_a_run_waits_for_the_run_and_returns():
    entered, release, runs = threading.Event(), threading.Event(), []

    def fire(now: datetime) -> datetime | None:
        runs.append(now)
        entered.set()
        release.wait(timeout=30)
        return None

    worker = DueWorker(fire)
    worker.start()
    assert entered.wait(timeout=30), "the worker did not start its catch-up run"
    # APScheduler's own shutdown waits for the run while holding the lock the run needs to
    # schedule the next one: stop() used to hang here for ever.
    stopper = threading.Thread(target=worker.stop, daemon=True)
    stopper.start()
    release.set()
    stopper.join(timeout=30)

    assert not stopper.is_alive(), "stop() hung behind the run in progress"
    assert len(runs) == 1


def fire_in_own_context(app, now: datetime) -> int:
    with app.app_context():
        try:
            return fire_all_due(db.session, app.extensions["motcua"], now=now)
        finally:
            db.session.remove()


def race(calls):
    """Run the calls at the same moment from separate threads; return their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_racing_workers_escalate_each_overdue_dossier_exactly_once(pg_only, session, app,
                                                                   staff):
    codes = {receive(session, app, staff, "birth_registration").code for _ in range(30)}
    session.commit()

    handled = race([lambda: fire_in_own_context(app, at(2, 15)) for _ in range(6)])

    session.expire_all()
    assert sum(handled) == 30
    per_dossier = Counter(session.scalars(select(Notification.dossier_code)
                                          .where(Notification.kind == "step.overdue")))
    assert per_dossier == {code: 2 for code in codes}
    escalated = Counter(e.dossier_code for e in audited(session, "task.escalated"))
    assert escalated == {code: 1 for code in codes}
    stamps = session.scalars(select(HumanTask.escalated_at)).all()
    assert stamps == [at(2, 15)] * 30
