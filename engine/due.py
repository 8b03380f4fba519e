"""Fire what has fallen due: BPMN timers, reminders, escalations and abandoned supplements.

Each dossier is handled in its own transaction under a row lock taken with SKIP LOCKED,
so any number of workers on PostgreSQL share the work and nothing fires twice: every
reminder and escalation is stamped on its row in the same transaction that sends it.
"""

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine import audit, notifications
from engine.context import EngineContext
from engine.deadlines import next_due, supplement_expiry
from engine.models import Dossier, HumanTask
from engine.notifications import Kind
from engine.projection import open_tasks
from engine.statuses import DossierStatus
from engine.stops import end_dossier
from engine.unit_of_work import DossierUnitOfWork

SYSTEM = "scheduler"
# The reason kept for the citizen's page and the stop notice (Form 05), in the citizen's words.
SUPPLEMENT_NOT_RECEIVED = "Công dân không bổ sung hồ sơ trong thời hạn"


def fire_all_due(session: Session, ctx: EngineContext, *, now: datetime) -> int:
    """Handle every dossier due at `now`, one unit of work each; return how many."""
    handled, after = 0, None
    while True:
        with DossierUnitOfWork(session, ctx, now=now) as uow:
            query = (select(Dossier).where(Dossier.next_due_at <= now)
                     .order_by(Dossier.next_due_at, Dossier.id))
            if after is not None:
                # Walk forward in due order, so a dossier handled in this pass is never taken
                # again.
                due, last_id = after
                query = query.where(or_(Dossier.next_due_at > due,
                                        and_(Dossier.next_due_at == due, Dossier.id > last_id)))
            dossier = uow.lock_first_free(query)
            if dossier is None:
                return handled
            after = (dossier.next_due_at, dossier.id)
            handled += 1
            fire_due(uow, ctx, dossier)


def earliest_due(session: Session) -> datetime | None:
    """Return when the next dossier falls due."""
    return session.scalar(select(func.min(Dossier.next_due_at)))


def fire_due(uow: DossierUnitOfWork, ctx: EngineContext, dossier: Dossier) -> None:
    """Handle everything due on the unit's locked dossier, then commit."""
    session, now, calendar = uow.session, uow.now, uow.calendar
    if dossier.timer_due_at is not None and dossier.timer_due_at <= now:
        _fire_timers(uow, ctx, dossier)
    tasks = open_tasks(session, dossier)
    for task in tasks:
        uow.record(*_remind_or_escalate_step(session, dossier, task, now))
    uow.record(*_remind_or_escalate_dossier(session, dossier, tasks, now))
    expiry = supplement_expiry(dossier, calendar, ctx.rules)
    if expiry is not None and expiry <= now:
        uow.record(*_close_for_want_of_supplement(session, dossier, tasks, now))
        tasks = []
    dossier.next_due_at = next_due(dossier, tasks, calendar, ctx.rules)
    uow.commit()


def _fire_timers(uow: DossierUnitOfWork, ctx: EngineContext, dossier: Dossier) -> None:
    fired = uow.advance_or_record(lambda workflow: ctx.runtime.fire_timers(workflow, uow.now),
                                  step="timer", actor=SYSTEM)
    if fired is None:
        # The timer is set aside so the worker does not spin on it; the incident and the
        # dossier's and steps' own due times keep the deadline visible.
        dossier.timer_due_at = None
        return
    progress, timers = fired
    uow.record(audit.Change(actor=SYSTEM, action="timer.fired", dossier_code=dossier.code,
                            after={"timers": timers}))
    uow.project(progress, open_rows=uow.open_rows(), actor=SYSTEM, by=None)


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
    before = dossier.status
    end_dossier(session, dossier, tasks, DossierStatus.STOPPED, by=None,
                reason=SUPPLEMENT_NOT_RECEIVED, now=now)
    notifications.notify(session, kind=Kind.DOSSIER_CLOSED, dossier_code=dossier.code,
                         recipients=notifications.supervisors(session), now=now,
                         message=f"Dossier {dossier.code} was closed: the citizen did not "
                                 "supplement it in time.")
    return [audit.Change(actor=SYSTEM, action="dossier.closed", dossier_code=dossier.code,
                         before={"status": before},
                         after={"status": int(DossierStatus.STOPPED),
                                "reason": "supplement not received in time"})]
