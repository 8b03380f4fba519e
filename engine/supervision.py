"""What a supervisor watches: engine incidents and steps past their due time."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.access import check_can_read_reports
from engine.models import Dossier, HumanTask, Incident, User
from engine.statuses import OPEN_TASK_STATES

LIMIT = 200


@dataclass(frozen=True)
class IncidentRow:
    """An engine failure that stopped a dossier (or a receipt, which then has no code)."""

    id: int
    dossier_code: str | None
    step: str | None
    error_type: str
    message: str
    occurred_at: datetime


@dataclass(frozen=True)
class OverdueStep:
    """An open step past its due time, and who holds it (None: nobody has claimed it)."""

    task_id: int
    dossier_code: str
    step_name: str
    department_code: str
    holder: str | None
    due_at: datetime


def open_incidents(session: Session, *, user: User, limit: int = LIMIT) -> list[IncidentRow]:
    """Return the unresolved incidents, newest first."""
    check_can_read_reports(user)
    query = (select(Incident, Dossier.code).outerjoin(Dossier, Dossier.id == Incident.dossier_id)
             .where(Incident.resolved_at.is_(None))
             .order_by(Incident.occurred_at.desc(), Incident.id.desc()).limit(limit))
    return [IncidentRow(id=incident.id, dossier_code=code, step=incident.step,
                        error_type=incident.error_type, message=incident.message,
                        occurred_at=incident.occurred_at)
            for incident, code in session.execute(query)]


def overdue_steps(session: Session, *, user: User, now: datetime,
                  limit: int = LIMIT) -> list[OverdueStep]:
    """Return the open steps past their due time at `now`, longest overdue first."""
    check_can_read_reports(user)
    holder = aliased(User)
    query = (select(HumanTask, holder).outerjoin(holder, holder.id == HumanTask.assignee_id)
             .where(HumanTask.state.in_(OPEN_TASK_STATES), HumanTask.due_at < now)
             .order_by(HumanTask.due_at, HumanTask.id).limit(limit))
    return [OverdueStep(task_id=task.id, dossier_code=task.dossier_code,
                        step_name=task.step_name, department_code=task.department_code,
                        holder=None if person is None else person.display_name,
                        due_at=task.due_at)
            for task, person in session.execute(query)]
