"""The steps a dossier waits on, as plain rows: what a completion answers with.

Read with the columns a client needs to go on (who works the step, by when), without
building ORM objects or reading the dossier: the answer of every completion pays for it.
"""

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from engine.models import HumanTask
from engine.statuses import OPEN_TASK_STATES

NEXT_STEP_COLUMNS = (HumanTask.id, HumanTask.step, HumanTask.step_name,
                     HumanTask.department_code, HumanTask.required_role, HumanTask.state,
                     HumanTask.due_at)


def next_steps(session: Session, dossier_id: int) -> list[Row]:
    """Return the dossier's ready or claimed steps, oldest first."""
    return list(session.execute(
        select(*NEXT_STEP_COLUMNS).where(HumanTask.dossier_id == dossier_id,
                                         HumanTask.state.in_(OPEN_TASK_STATES))
        .order_by(HumanTask.id)))
