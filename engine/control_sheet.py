"""The processing-control sheet (Form 06): every handoff of a dossier and how each step did."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.dossier_versions import dossier_version
from engine.dossiers import get_dossier_or_raise
from engine.handoffs import giver_id
from engine.models import HumanTask, User
from engine.procedures import get_procedure_or_raise
from engine.statuses import DossierStatus, TaskState

UNKNOWN = "—"
OVERDUE = "overdue"
IN_PROGRESS = "in progress"
CANCELLED = "cancelled"
HOURS_DIGITS = 2


@dataclass(frozen=True)
class ControlSheetRow:
    """One step of the dossier: who handed it to whom, when, and against which due time."""

    step: str
    step_name: str
    state: str
    giver: str
    receiver_department: str
    receiver: str | None
    ready_at: datetime
    claimed_at: datetime | None
    completed_at: datetime | None
    waiting_hours: float | None
    working_hours: float | None
    budget_hours: float
    due_at: datetime | None
    verdict: str


@dataclass(frozen=True)
class ControlSheet:
    """Form 06 for one dossier, as of `generated_at`; times are in the calendar's zone."""

    dossier_code: str
    procedure_code: str
    procedure_name_vi: str
    procedure_name_en: str
    procedure_version: int
    received_at: datetime
    received_by: str
    appointment_at: datetime | None
    status: int
    status_label_vi: str
    status_label_en: str
    processed_at: datetime | None
    outcome: str | None
    generated_at: datetime
    rows: list[ControlSheetRow]


def control_sheet(session: Session, *, code: str, user: User, calendar: WorkingCalendar,
                  now: datetime) -> ControlSheet:
    """Return the dossier's control sheet, one row per step in the order the steps became ready.

    Open steps are measured up to `now`: an unclaimed step's waiting hours and a claimed
    step's working hours count so far, and a step past its due time is overdue.
    """
    dossier = get_dossier_or_raise(session, code, user=user)
    procedure = get_procedure_or_raise(session, dossier.procedure_code)
    tasks = list(session.scalars(select(HumanTask).where(HumanTask.dossier_id == dossier.id)
                                 .order_by(HumanTask.created_at, HumanTask.id)))
    user_ids = {t.completed_by for t in tasks} | {dossier.received_by}
    names = {user.id: user.display_name for user in session.scalars(
        select(User).where(User.id.in_(user_ids - {None})))}
    local = _localiser(calendar)
    status = DossierStatus(dossier.status)
    return ControlSheet(
        dossier_code=dossier.code, procedure_code=procedure.code,
        procedure_name_vi=procedure.name_vi, procedure_name_en=procedure.name_en,
        procedure_version=dossier_version(session, dossier).number,
        received_at=local(dossier.received_at),
        received_by=names.get(dossier.received_by, UNKNOWN),
        appointment_at=local(dossier.appointment_at), status=int(status),
        status_label_vi=status.label_vi, status_label_en=status.label_en,
        processed_at=local(dossier.processed_at), outcome=dossier.outcome,
        generated_at=local(now),
        rows=[_row(task, names.get(giver_id(task, tasks, dossier.received_by), UNKNOWN),
                   calendar, now) for task in tasks],
    )


def _row(task: HumanTask, giver: str, calendar: WorkingCalendar, now: datetime) -> ControlSheetRow:
    local = _localiser(calendar)
    is_open = task.state in (TaskState.READY, TaskState.CLAIMED)
    waiting = task.waited_hours
    working = task.worked_hours
    if task.state == TaskState.READY:
        # Still in the queue; a step given back after a claim waits again from when it was ready.
        waiting = calendar.working_hours_between(task.created_at, now)
    elif task.state == TaskState.CLAIMED and task.claimed_at is not None:
        working = calendar.working_hours_between(task.claimed_at, now)
    claimed = task.state != TaskState.READY and task.assignee is not None
    return ControlSheetRow(
        step=task.step, step_name=task.step_name, state=task.state, giver=giver,
        receiver_department=task.department_code,
        receiver=task.assignee.display_name if claimed else None,
        ready_at=local(task.created_at), claimed_at=local(task.claimed_at),
        completed_at=local(task.completed_at), waiting_hours=_hours(waiting),
        working_hours=_hours(working), budget_hours=task.budget_hours,
        due_at=local(task.due_at), verdict=_verdict(task, is_open, now),
    )


def _verdict(task: HumanTask, is_open: bool, now: datetime) -> str:
    if task.outcome is not None:
        return task.outcome
    if task.state == TaskState.CANCELLED:
        return CANCELLED
    if is_open and task.due_at is not None and task.due_at < now:
        return OVERDUE
    return IN_PROGRESS if is_open else UNKNOWN


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, HOURS_DIGITS)


def _localiser(calendar: WorkingCalendar):
    def local(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(calendar.zone)
    return local
