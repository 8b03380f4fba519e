"""What must hold in the database after any fault: nothing lost, nothing twice, chain intact.

Each check returns the problems it found as sentences, so one assertion shows them all.
"""

from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import seal, verify_chain
from engine.context import EngineContext
from engine.models import AuditEvent, Dossier, HumanTask, Notification
from engine.notifications import Kind
from engine.projection import open_tasks
from engine.statuses import OPEN_TASK_STATES, DossierStatus, TaskState
from tests.faults.clients import Call, rid_of
from tests.faults.harness import FaultDatabase, Staff


@dataclass
class Inspector:
    """A session on the test database and the engine that reads its workflows."""

    session: Session
    ctx: EngineContext


@contextmanager
def inspect_database(database: FaultDatabase) -> Iterator[Inspector]:
    """Open the database with the application's own engine, read-only by convention."""
    from api import create_app
    from api.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database.sqlalchemy_url})
    with app.app_context():
        try:
            yield Inspector(db.session, app.extensions["motcua"])
        finally:
            db.session.remove()
            db.engine.dispose()


@dataclass(frozen=True)
class Receipts:
    """How the receipts clients asked for ended up in the database."""

    problems: list[str]
    # Dossiers stored although their client never got the 201 (answer lost or refused).
    unanswered: list[str]


def check_receipts(session: Session, calls: list[Call]) -> Receipts:
    """Every 201 is stored once under its code; nothing is stored twice or unasked for."""
    problems = []
    stored: dict[str, list[str]] = defaultdict(list)
    for code, applicant in session.execute(select(Dossier.code, Dossier.applicant)):
        stored[rid_of(applicant)].append(code)
    asked = {c.rid: c for c in calls if c.action == "receive"}
    for rid, codes in stored.items():
        if rid is None or rid not in asked:
            problems.append(f"dossiers {codes} were stored but no client asked for them")
        elif len(codes) > 1:
            problems.append(f"receipt {rid} was stored {len(codes)} times: {codes}")
    accepted = [c for c in asked.values() if c.status == 201]
    for call in accepted:
        if stored.get(call.rid) != [call.body["code"]]:
            problems.append(f"receipt {call.rid} got 201 with code {call.body['code']} but the "
                            f"database holds {stored.get(call.rid, [])}")
    returned = Counter(c.body["code"] for c in accepted)
    problems += [f"code {code} was handed out {n} times" for code, n in returned.items() if n > 1]
    unanswered = sorted(code for rid, codes in stored.items() for code in codes
                        if rid in asked and asked[rid].status != 201)
    return Receipts(problems, unanswered)


def check_steps(inspector: Inspector) -> list[str]:
    """Each dossier's open steps are exactly what its restored workflow waits on.

    Also: every dossier has its steps and its receipt in the audit trail, no step of the
    (sequential) business household was opened twice, and finished dossiers hold no open step.
    """
    session, ctx = inspector.session, inspector.ctx
    problems = []
    events = Counter(tuple(row) for row in session.execute(
        select(AuditEvent.action, AuditEvent.dossier_code)))
    opened = Counter(session.scalars(select(AuditEvent.task_id)
                                     .where(AuditEvent.action == "task.opened")).all())
    for dossier in session.scalars(select(Dossier).order_by(Dossier.id)):
        model = ctx.model(session, dossier.spec_hash)
        workflow = ctx.runtime.restore(model, dossier.workflow_state)
        progress = ctx.runtime.progress(model, workflow)
        waiting = {s.workflow_task_id: s.step.bpmn_id for s in progress.open_steps}
        rows = {t.workflow_task_id: t.step for t in open_tasks(session, dossier)}
        if rows != waiting:
            problems.append(f"{dossier.code}: open steps {rows} but its workflow waits on "
                            f"{waiting}")
        if len(rows) > 1:
            problems.append(f"{dossier.code}: {len(rows)} steps open at once in a sequential "
                            "procedure")
        tasks = session.scalars(select(HumanTask).where(HumanTask.dossier_id == dossier.id)).all()
        if not tasks:
            problems.append(f"{dossier.code}: stored without any step (half-written)")
        per_step = Counter(t.step for t in tasks)
        problems += [f"{dossier.code}: step {step} exists {n} times"
                     for step, n in per_step.items() if n > 1]
        problems += [f"{dossier.code}: step {t.id} has {opened[t.id]} task.opened events"
                     for t in tasks if opened[t.id] != 1]
        received = events[("dossier.received", dossier.code)]
        if received != 1:
            problems.append(f"{dossier.code}: {received} dossier.received events")
        if progress.finished != (dossier.finished_at is not None):
            problems.append(f"{dossier.code}: workflow finished={progress.finished} but "
                            f"finished_at={dossier.finished_at}")
    return problems


def check_completions(session: Session, calls: list[Call]) -> list[str]:
    """Every completion answered 200 is completed, once, in the database."""
    problems = []
    completed = Counter(session.scalars(select(AuditEvent.task_id)
                                        .where(AuditEvent.action == "task.completed")).all())
    for call in calls:
        if call.action == "complete" and call.status == 200:
            task = session.get(HumanTask, call.body["id"])
            if task is None or task.state != TaskState.COMPLETED:
                problems.append(f"step {call.body['id']} was answered completed but is "
                                f"{task.state if task else 'missing'}")
    problems += [f"step {task_id} completed {n} times" for task_id, n in completed.items()
                 if n > 1]
    return problems


def check_finished(session: Session, codes: set[str]) -> list[str]:
    """These dossiers went from receipt to returned result, with three completed steps."""
    problems = []
    for dossier in session.scalars(select(Dossier).where(Dossier.code.in_(codes))):
        steps = session.scalars(select(HumanTask.step).where(
            HumanTask.dossier_id == dossier.id, HumanTask.state == TaskState.COMPLETED)).all()
        if dossier.status != DossierStatus.RESULT_RETURNED or len(steps) != 3:
            problems.append(f"{dossier.code}: status {dossier.status}, completed {steps}")
    return problems


def check_escalations(session: Session, codes: list[str], staff: Staff) -> list[str]:
    """Each overdue step and dossier was reminded and escalated exactly once, to the right people.

    Also: no notification anywhere went twice to the same person for the same thing.
    """
    problems = []
    heads, supervisors = staff.ids("economic_head"), staff.ids("supervisor")
    actions = Counter(tuple(row) for row in session.execute(
        select(AuditEvent.action, AuditEvent.dossier_code, AuditEvent.task_id)))
    sent: dict[tuple, Counter] = defaultdict(Counter)
    for kind, code, task_id, recipient in session.execute(select(
            Notification.kind, Notification.dossier_code, Notification.task_id,
            Notification.recipient_id)):
        sent[(kind, code, task_id)][recipient] += 1
    for (kind, code, task_id), recipients in sent.items():
        twice = sorted(r for r, n in recipients.items() if n > 1)
        if twice:
            problems.append(f"{kind} about {code} step {task_id} went twice to users {twice}")
    for code in codes:
        tasks = session.scalars(select(HumanTask).where(
            HumanTask.dossier_code == code, HumanTask.state.in_(OPEN_TASK_STATES))).all()
        if len(tasks) != 1:
            problems.append(f"{code}: {len(tasks)} open steps where one was made overdue")
        for task in tasks:
            assignee = {task.assignee_id} if task.assignee_id else set()
            expected = {
                ("task.reminded", Kind.STEP_REMINDER): heads | assignee,
                ("task.escalated", Kind.STEP_OVERDUE): heads | supervisors,
            }
            for (action, kind), people in expected.items():
                if actions[(action, code, task.id)] != 1:
                    problems.append(f"{code} step {task.id}: {actions[(action, code, task.id)]} "
                                    f"{action} events")
                if set(sent[(kind, code, task.id)]) != people:
                    problems.append(f"{code} step {task.id}: {kind} went to "
                                    f"{sorted(sent[(kind, code, task.id)])}, not {sorted(people)}")
            if task.reminded_at is None or task.escalated_at is None:
                problems.append(f"{code} step {task.id}: reminded_at={task.reminded_at}, "
                                f"escalated_at={task.escalated_at}")
        for action, kind, people in (("dossier.reminded", Kind.DOSSIER_REMINDER, heads),
                                     ("dossier.escalated", Kind.DOSSIER_OVERDUE,
                                      heads | supervisors)):
            if actions[(action, code, None)] != 1:
                problems.append(f"{code}: {actions[(action, code, None)]} {action} events")
            if set(sent[(kind, code, None)]) != people:
                problems.append(f"{code}: {kind} went to {sorted(sent[(kind, code, None)])}, "
                                f"not {sorted(people)}")
    return problems


def check_nothing_left_due(session: Session) -> list[str]:
    """No dossier is still due in the past: every scheduler pass was finished by someone."""
    now = datetime.now(UTC)
    late = session.scalars(select(Dossier.code).where(Dossier.next_due_at <= now)).all()
    return [f"{code} is still due since before now" for code in late]


def check_chain(session: Session) -> list[str]:
    """Every event is sealed (what is left, `motcua audit seal` seals) and the chain verifies."""
    seal(session)
    report = verify_chain(session)
    problems = [f"{report.unsealed} events could not be sealed"] if report.unsealed else []
    if not report.intact:
        problems.append(f"audit chain broken at event {report.first_broken_seq}: "
                        f"{report.reason}")
    return problems
