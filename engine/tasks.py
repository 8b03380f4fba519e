"""Departments' work on steps: inbox, claim, unclaim, assign, complete."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine import audit
from engine.access import (
    check_can_assign,
    check_can_list_tasks_of,
    check_can_see_task,
    check_can_work_on,
    visible_dossiers,
)
from engine.accounts import get_user_or_raise
from engine.context import EngineContext
from engine.deadlines import close_step, waited
from engine.errors import (
    DossierNotRunning,
    InvalidFormData,
    InvalidInput,
    TaskAlreadyClaimed,
    TaskNotClaimedByCaller,
    TaskNotFound,
    TaskNotOpen,
)
from engine.models import Dossier, HumanTask, User
from engine.results import ResultIssuing, issue_result, issues_result
from engine.runtime import StepNotReady
from engine.statuses import OPEN_TASK_STATES, DossierStatus, TaskState
from engine.unit_of_work import DossierUnitOfWork


def get_task_or_raise(session: Session, task_id: int, *, user: User) -> HumanTask:
    """Return a step the caller may see."""
    task = session.get(HumanTask, task_id)
    if task is None:
        raise TaskNotFound(f"No step has id {task_id}.", task_id=task_id)
    check_can_see_task(user, task)
    return task


@dataclass(frozen=True)
class TaskFilter:
    """What an inbox may be narrowed by."""

    department_code: str | None = None
    state: str | None = None
    assignee_id: int | None = None
    dossier_code: str | None = None
    # Steps the model reserves for this role, e.g. "leader": a leader's signing queue.
    required_role: str | None = None


def get_all_tasks(session: Session, *, user: User, where: TaskFilter, page: int,
                  page_size: int) -> list[HumanTask]:
    """Return the caller's inbox: their department's open steps unless a filter says otherwise."""
    department = where.department_code or user.department_code
    check_can_list_tasks_of(user, department)
    query = select(HumanTask)
    if department:
        query = query.where(HumanTask.department_code == department)
    if where.state:
        query = query.where(HumanTask.state == where.state)
    else:
        query = query.where(HumanTask.state.in_(OPEN_TASK_STATES))
    if where.assignee_id is not None:
        query = query.where(HumanTask.assignee_id == where.assignee_id)
    if where.required_role is not None:
        query = query.where(HumanTask.required_role == where.required_role)
    if where.dossier_code:
        # Through the dossier's unique code to its id: steps are indexed by dossier id.
        query = query.where(HumanTask.dossier_id == select(Dossier.id).where(
            Dossier.code == where.dossier_code, visible_dossiers(session, user))
            .scalar_subquery())
    # Most urgent first: the step whose due time comes soonest.
    query = query.order_by(HumanTask.due_at, HumanTask.id)
    return list(session.scalars(query.offset((page - 1) * page_size).limit(page_size)))


def count_open_tasks_by_holder(session: Session, *, user: User,
                               department_code: str) -> dict[int | None, int]:
    """Return how many open steps of the department each person holds; None: nobody yet."""
    check_can_list_tasks_of(user, department_code)
    return dict(session.execute(
        select(HumanTask.assignee_id, func.count())
        .where(HumanTask.department_code == department_code,
               HumanTask.state.in_(OPEN_TASK_STATES))
        .group_by(HumanTask.assignee_id)).all())


def claim_task(session: Session, ctx: EngineContext, *, task_id: int, user: User,
               now: datetime) -> HumanTask:
    """Take a ready step; exactly one of several racing claimants wins."""
    task = get_task_or_raise(session, task_id, user=user)
    check_can_work_on(user, task)
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        _take(uow, task, assignee=user, expected_state=TaskState.READY, claimed_at=now,
              waited_hours=waited(task, uow.calendar, now))
        uow.record(audit.Change(actor=user.username, action="task.claimed",
                                dossier_code=task.dossier_code, task_id=task.id,
                                after={"assignee": user.username}))
        uow.commit()
    return task


def unclaim_task(session: Session, ctx: EngineContext, *, task_id: int, user: User,
                 now: datetime) -> HumanTask:
    """Give a claimed step back to the department's queue (its holder or the head)."""
    task = get_task_or_raise(session, task_id, user=user)
    holder, holder_name = task.assignee_id, _holder(task)
    if holder != user.id:
        check_can_assign(user, task)
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        result = session.execute(
            update(HumanTask)
            .where(HumanTask.id == task.id, HumanTask.state == TaskState.CLAIMED,
                   HumanTask.assignee_id == holder)
            .values(state=TaskState.READY, assignee_id=None, claimed_at=None, waited_hours=None)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:
            raise _why_not_open(uow, task, user)
        session.refresh(task)
        uow.record(audit.Change(actor=user.username, action="task.unclaimed",
                                dossier_code=task.dossier_code, task_id=task.id,
                                before={"assignee": holder_name}))
        uow.commit()
    return task


def assign_task(session: Session, ctx: EngineContext, *, task_id: int, assignee_id: int,
                user: User, now: datetime) -> HumanTask:
    """Hand a step to a member of its department; the head reassigns as needed."""
    task = get_task_or_raise(session, task_id, user=user)
    check_can_assign(user, task)
    assignee = get_user_or_raise(session, assignee_id)
    check_can_work_on(assignee, task)
    if not assignee.active:
        raise InvalidInput(f"{assignee.username} is deactivated; assign an active member of "
                           f"department {task.department_code}", field="assignee_id",
                           reason="assignee_inactive", username=assignee.username)
    before = _holder(task)
    if task.state not in OPEN_TASK_STATES:
        raise TaskNotOpen(f"step {task.id} is {task.state}; only open steps can be assigned",
                          state=task.state, task=task.id)
    was_waiting = task.state == TaskState.READY
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        # A reassigned step keeps its first claim time: its working time runs on.
        _take(uow, task, assignee=assignee, expected_state=task.state,
              claimed_at=now if was_waiting else task.claimed_at,
              expected_assignee=task.assignee_id,
              waited_hours=waited(task, uow.calendar, now) if was_waiting else None)
        uow.record(audit.Change(actor=user.username, action="task.assigned",
                                dossier_code=task.dossier_code, task_id=task.id,
                                before={"assignee": before},
                                after={"assignee": assignee.username}))
        uow.commit()
    return task


def _take(uow: DossierUnitOfWork, task: HumanTask, *, assignee: User, expected_state: str,
          claimed_at: datetime, expected_assignee: int | None = None,
          waited_hours: float | None = None) -> None:
    """Set the holder with one conditional UPDATE, so a concurrent change makes it fail.

    The UPDATE returns the row, which refreshes `task`; `waited_hours` is written with it
    when the step leaves the queue.
    """
    values = {"state": TaskState.CLAIMED, "assignee_id": assignee.id, "claimed_at": claimed_at}
    if waited_hours is not None:
        values["waited_hours"] = waited_hours
    taken = uow.session.scalars(
        update(HumanTask)
        .where(HumanTask.id == task.id, HumanTask.state == expected_state,
               HumanTask.assignee_id.is_(expected_assignee) if expected_assignee is None
               else HumanTask.assignee_id == expected_assignee)
        .values(**values).returning(HumanTask)
        .execution_options(synchronize_session=False, populate_existing=True)).all()
    if not taken:
        raise _why_not_open(uow, task, assignee)


def _why_not_open(uow: DossierUnitOfWork, task: HumanTask, user: User) -> Exception:
    """End the unit and return why the step could not be taken, as it stands now."""
    uow.rollback()
    uow.session.refresh(task)
    return refusal_to_take(task, user)


def refusal_to_take(task: HumanTask, user: User) -> Exception:
    """Return why `user` cannot take or give back the step in the state it is in."""
    if task.state == TaskState.CLAIMED and task.assignee_id != user.id:
        return TaskAlreadyClaimed(
            f"step {task.id} is held by {_holder(task)}; ask them or the head of department "
            "to release it", assignee=_holder(task), task=task.id)
    if task.state == TaskState.CLAIMED:
        return TaskAlreadyClaimed(f"you already hold step {task.id}", assignee=_holder(task),
                                  task=task.id, reason="held_by_caller")
    if task.state == TaskState.READY:
        return TaskNotClaimedByCaller(f"step {task.id} is not claimed; claim it first",
                                      task=task.id)
    return TaskNotOpen(f"step {task.id} is {task.state}", state=task.state, task=task.id)


def complete_task(session: Session, ctx: EngineContext, *, task_id: int, data: dict,
                  user: User, now: datetime, results: ResultIssuing | None = None,
                  ) -> tuple[HumanTask, list[HumanTask]]:
    """Complete the caller's claimed step with its form data and advance the dossier.

    With `results`, a leader's signing step also issues the dossier's result (engine.results)
    in the same transaction. Return the completed step and the dossier's steps open after it,
    oldest first.
    """
    task = get_task_or_raise(session, task_id, user=user)
    check_can_work_on(user, task)
    check_held_by(task, user)
    problems = ctx.forms.field_problems(task.form_key, data)
    if problems:
        raise InvalidFormData(task.form_key, problems)
    credential = results.credential(task, user) if results is not None else None
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        # Lock the dossier: its steps complete one at a time, each on the state the last one left.
        dossier = uow.lock(Dossier.id == task.dossier_id)
        check_not_awaiting_payment(dossier)
        open_rows = uow.open_rows(reload=True)
        if task not in open_rows:
            session.refresh(task)
        check_held_by(task, user)
        try:
            progress, _ = uow.advance(
                lambda workflow: ctx.runtime.complete_step(workflow, task.workflow_task_id, data),
                step=task.step, actor=user.username)
        except StepNotReady:
            raise TaskNotOpen(f"step {task.id} is no longer waiting in the workflow",
                              reason="not_waiting", task=task.id) from None
        task.state, task.completed_at, task.completed_by = TaskState.COMPLETED, now, user.id
        task.form_data = data
        close_step(task, uow.calendar, now)
        uow.record(audit.Change(actor=user.username, action="task.completed",
                                dossier_code=dossier.code, task_id=task.id,
                                after={"step": task.step, "data": data, "outcome": task.outcome}))
        if results is not None and issues_result(task):
            issue_result(uow, results, task=task, user=user, credential=credential)
        next_steps = uow.project(progress, open_rows=open_rows, actor=user.username,
                                 by=user.id)
        uow.commit()
    ctx.due_changed()
    return task, next_steps


def check_not_awaiting_payment(dossier: Dossier) -> None:
    """Refuse to move a dossier on while it waits for its fee (status 6, engine.payments)."""
    if dossier.status == DossierStatus.PAYMENT_REQUESTED:
        raise DossierNotRunning(f"dossier {dossier.code} waits for its fee to be paid",
                                reason="awaiting_payment", dossier=dossier.code)


def check_held_by(task: HumanTask, user: User) -> None:
    """Refuse completing a step the user does not hold, or one no longer open."""
    if task.state not in OPEN_TASK_STATES:
        raise TaskNotOpen(f"step {task.id} is {task.state}", state=task.state, task=task.id)
    if task.state != TaskState.CLAIMED or task.assignee_id != user.id:
        raise TaskNotClaimedByCaller(f"claim step {task.id} before completing it"
                                     if task.state == TaskState.READY else
                                     f"step {task.id} is held by someone else", task=task.id)


def _holder(task: HumanTask) -> str | None:
    return task.assignee.username if task.assignee is not None else None
