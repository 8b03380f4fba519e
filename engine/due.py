"""Fire what has fallen due: BPMN timers, reminders, escalations and abandoned supplements.

Each dossier is handled in its own transaction under a row lock taken with SKIP LOCKED,
so any number of workers on PostgreSQL share the work and nothing fires twice: every
reminder and escalation is stamped on its row in the same transaction that sends it.
"""

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine import audit, notifications
from engine.calendar import WorkingCalendar
from engine.context import EngineContext
from engine.deadlines import next_due, supplement_expiry
from engine.dossiers import apply_progress, open_tasks
from engine.models import Dossier, HumanTask, Incident
from engine.notifications import Kind
from engine.status_history import change_status
from engine.statuses import DossierStatus, TaskState
from engine.timing import EngineClock, engine_clock

SYSTEM = "scheduler"


def fire_all_due(session: Session, ctx: EngineContext, *, now: datetime) -> int:
    """Handle every dossier due at `now`, one transaction each; return how many."""
    handled, after = 0, None
    while True:
        query = (select(Dossier).where(Dossier.next_due_at <= now)
                 .order_by(Dossier.next_due_at, Dossier.id).limit(1)
                 .with_for_update(skip_locked=True))
        if after is not None:
            # Walk forward in due order, so a dossier handled in this pass is never taken again.
            due, last_id = after
            query = query.where(or_(Dossier.next_due_at > due,
                                    and_(Dossier.next_due_at == due, Dossier.id > last_id)))
        dossier = session.scalars(query).first()
        if dossier is None:
            session.rollback()
            return handled
        after = (dossier.next_due_at, dossier.id)
        handled += 1
        fire_due(session, ctx, dossier, now=now)


def earliest_due(session: Session) -> datetime | None:
    """Return when the next dossier falls due."""
    return session.scalar(select(func.min(Dossier.next_due_at)))


def fire_due(session: Session, ctx: EngineContext, dossier: Dossier, *, now: datetime) -> None:
    """Handle everything due on one locked dossier, then commit."""
    calendar = ctx.calendar(session)
    changes: list[audit.Change] = []
    if dossier.timer_due_at is not None and dossier.timer_due_at <= now:
        changes += _fire_timers(session, ctx, dossier, calendar, now)
    tasks = open_tasks(session, dossier)
    for task in tasks:
        changes += _remind_or_escalate_step(session, dossier, task, now)
    changes += _remind_or_escalate_dossier(session, dossier, tasks, now)
    expiry = supplement_expiry(dossier, calendar, ctx.rules)
    if expiry is not None and expiry <= now:
        changes += _close_for_want_of_supplement(session, dossier, tasks, now)
        tasks = []
    dossier.next_due_at = next_due(dossier, tasks, calendar, ctx.rules)
    audit.append(session, changes, now=now)
    session.commit()


def _fire_timers(session, ctx, dossier, calendar: WorkingCalendar, now) -> list[audit.Change]:
    model = ctx.model(session, dossier.spec_hash)
    try:
        workflow = ctx.runtime.restore(model, dossier.workflow_state)
        with engine_clock(EngineClock(now, calendar, dossier.appointment_at)):
            fired = ctx.runtime.fire_timers(workflow, now)
        progress = ctx.runtime.progress(model, workflow)
        state = ctx.runtime.dump(workflow)
    except Exception as err:  # noqa: BLE001 - the failure is recorded, the deadlines stay
        # The timer is set aside so the worker does not spin on it; the incident and the
        # dossier's and steps' own due times keep the deadline visible.
        dossier.timer_due_at = None
        session.add(Incident(dossier_id=dossier.id, step="timer", error_type=type(err).__name__,
                             message=str(err)[:4000], occurred_at=now))
        return [audit.Change(actor=SYSTEM, action="incident.recorded", dossier_code=dossier.code,
                             after={"step": "timer", "error": type(err).__name__,
                                    "message": str(err)[:500]})]
    dossier.workflow_state = state
    changes = [audit.Change(actor=SYSTEM, action="timer.fired", dossier_code=dossier.code,
                            after={"timers": fired})]
    return changes + apply_progress(session, ctx, dossier, progress,
                                    open_rows=open_tasks(session, dossier), actor=SYSTEM, by=None,
                                    now=now)


def _remind_or_escalate_step(session, dossier, task: HumanTask, now) -> list[audit.Change]:
    changes = []
    if task.remind_at is not None and task.reminded_at is None and task.remind_at <= now:
        recipients = notifications.heads_of(session, {task.department_code})
        if task.assignee is not None:
            recipients.append(task.assignee)
        notifications.notify(session, kind=Kind.STEP_REMINDER, recipients=recipients,
                             dossier_code=dossier.code, task_id=task.id, due_at=task.due_at,
                             message=f"Step '{task.step_name}' of dossier {dossier.code} is due "
                                     f"at {task.due_at.isoformat()}.", now=now)
        task.reminded_at = now
        changes.append(audit.Change(actor=SYSTEM, action="task.reminded",
                                    dossier_code=dossier.code, task_id=task.id))
    if (task.counted and task.due_at is not None and task.escalated_at is None
            and task.due_at <= now):
        recipients = (notifications.heads_of(session, {task.department_code})
                      + notifications.supervisors(session))
        notifications.notify(session, kind=Kind.STEP_OVERDUE, recipients=recipients,
                             dossier_code=dossier.code, task_id=task.id, due_at=task.due_at,
                             message=f"Step '{task.step_name}' of dossier {dossier.code} is "
                                     f"overdue since {task.due_at.isoformat()}.", now=now)
        task.escalated_at = now
        changes.append(audit.Change(actor=SYSTEM, action="task.escalated",
                                    dossier_code=dossier.code, task_id=task.id))
    return changes


def _remind_or_escalate_dossier(session, dossier: Dossier, tasks: list[HumanTask],
                                now) -> list[audit.Change]:
    running = (dossier.processed_at is None and dossier.clock_paused_at is None
               and dossier.finished_at is None)
    if not running:
        return []
    changes = []
    departments = {task.department_code for task in tasks}
    if dossier.remind_at is not None and dossier.reminded_at is None and dossier.remind_at <= now:
        notifications.notify(
            session, kind=Kind.DOSSIER_REMINDER, dossier_code=dossier.code,
            recipients=notifications.heads_of(session, departments),
            due_at=dossier.appointment_at, now=now,
            message=f"Dossier {dossier.code} is due at {dossier.appointment_at.isoformat()}: "
                    "if it will be late, send the citizen an apology with a new appointment.")
        dossier.reminded_at = now
        changes.append(audit.Change(actor=SYSTEM, action="dossier.reminded",
                                    dossier_code=dossier.code))
    if dossier.escalated_at is None and dossier.appointment_at <= now:
        notifications.notify(
            session, kind=Kind.DOSSIER_OVERDUE, dossier_code=dossier.code,
            recipients=notifications.supervisors(session)
            + notifications.heads_of(session, departments),
            due_at=dossier.appointment_at, now=now,
            message=f"Dossier {dossier.code} is overdue since "
                    f"{dossier.appointment_at.isoformat()}.")
        dossier.escalated_at = now
        changes.append(audit.Change(actor=SYSTEM, action="dossier.escalated",
                                    dossier_code=dossier.code))
    return changes


def _close_for_want_of_supplement(session, dossier: Dossier, tasks: list[HumanTask],
                                  now) -> list[audit.Change]:
    """Close a dossier whose citizen did not supplement it in time (Decree 118/2025)."""
    for task in tasks:
        task.state = TaskState.CANCELLED
    before = dossier.status
    change_status(session, dossier, DossierStatus.STOPPED, by=None, at=now)
    dossier.finished_at = now
    dossier.timer_due_at = None
    dossier.clock_paused_at = dossier.clock_pause_reason = dossier.clock_remaining_hours = None
    notifications.notify(session, kind=Kind.DOSSIER_CLOSED, dossier_code=dossier.code,
                         recipients=notifications.supervisors(session), now=now,
                         message=f"Dossier {dossier.code} was closed: the citizen did not "
                                 "supplement it in time.")
    return [audit.Change(actor=SYSTEM, action="dossier.closed", dossier_code=dossier.code,
                         before={"status": before},
                         after={"status": int(DossierStatus.STOPPED),
                                "reason": "supplement not received in time"})]
