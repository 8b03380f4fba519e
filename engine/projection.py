"""Project a workflow's progress onto the dossier's rows: its open steps, status and deadlines."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.context import EngineContext
from engine.deadlines import next_due, open_step, update_clock
from engine.dossier_versions import statutory_deadline
from engine.models import Dossier, HumanTask
from engine.runtime import Progress
from engine.status_history import change_status
from engine.statuses import HELD_STATUSES, OPEN_TASK_STATES, TaskState


def apply_progress(session: Session, ctx: EngineContext, dossier: Dossier, progress: Progress,
                   *, open_rows: list[HumanTask], actor: str, by: int | None,
                   now: datetime) -> tuple[list[audit.Change], list[HumanTask]]:
    """Project the workflow's open steps, status and deadlines onto the dossier's rows.

    Return the audit events of the projection and the dossier's step rows open after it,
    oldest first. `actor` names who moved the workflow in the audit trail and `by` is their
    user id, None for the system. `open_rows` are the dossier's step rows that were open
    before the workflow moved (a row the caller has just completed may be among them). A
    status held above the workflow (HELD_STATUSES) is kept; everything else is projected.
    Every change is made in memory and written by one flush, so the dossier row is updated
    once.
    """
    calendar = ctx.calendar(session)
    open_ids = {s.workflow_task_id for s in progress.open_steps}
    was_open = {row.workflow_task_id: row for row in open_rows
                if row.state in OPEN_TASK_STATES}
    cancelled = [row for wid, row in was_open.items() if wid not in open_ids]
    for row in cancelled:
        row.state = TaskState.CANCELLED
    new_rows = [
        HumanTask(dossier_id=dossier.id, dossier_code=dossier.code,
                  workflow_task_id=s.workflow_task_id, step=s.step.bpmn_id,
                  step_name=s.step.name, department_code=s.step.lane,
                  required_role=s.step.role, form_key=s.step.form_key,
                  budget_hours=s.step.budget_hours, counted=s.step.counted,
                  state=TaskState.READY, created_at=now)
        for s in progress.open_steps if s.workflow_task_id not in was_open
    ]
    for row in new_rows:
        open_step(row, calendar, ctx.rules, now)
    status_changes = []
    # Statuses the engine holds above the workflow (payment, withdrawal, stop) are never
    # overwritten by the one derived from the open steps.
    if dossier.status != progress.status and dossier.status not in HELD_STATUSES:
        status_changes.append(audit.Change(actor=actor, action="dossier.status_changed",
                                           dossier_code=dossier.code,
                                           before={"status": dossier.status},
                                           after={"status": int(progress.status)}))
        change_status(session, dossier, progress.status, by=by, at=now)
    if progress.finished:
        dossier.finished_at = now
    dossier.updated_at = now
    dossier.timer_due_at = progress.timer_due_at
    now_open = [row for wid, row in was_open.items() if wid in open_ids] + new_rows
    clock_changes = update_clock(dossier, deadline=lambda: statutory_deadline(session, dossier),
                                 open_tasks=now_open, finished=progress.finished,
                                 calendar=calendar, rules=ctx.rules, actor=actor, now=now)
    dossier.next_due_at = next_due(dossier, now_open, calendar, ctx.rules)
    session.add_all(new_rows)
    session.flush()
    changes = [audit.Change(actor=actor, action="task.cancelled", dossier_code=dossier.code,
                            task_id=row.id, after={"step": row.step}) for row in cancelled]
    changes += [audit.Change(actor=actor, action="task.opened", dossier_code=dossier.code,
                             task_id=row.id,
                             after={"step": row.step, "department": row.department_code,
                                    "due_at": row.due_at.isoformat()})
                for row in new_rows]
    return (changes + status_changes + clock_changes,
            sorted(now_open, key=lambda row: row.id))


def open_tasks(session: Session, dossier: Dossier, *, reload: bool = False) -> list[HumanTask]:
    """Return the dossier's steps that are ready or claimed.

    `reload` overwrites rows already in the session with what the database holds now (call
    it right after locking the dossier, before changing any of its steps).
    """
    query = (select(HumanTask).where(HumanTask.dossier_id == dossier.id,
                                     HumanTask.state.in_(OPEN_TASK_STATES))
             .order_by(HumanTask.id))
    if reload:
        query = query.execution_options(populate_existing=True)
    return list(session.scalars(query))
