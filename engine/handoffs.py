"""Who handed a step over: whoever completed the step before it, else the receptionist."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Dossier, HumanTask, User


def giver_id(task: HumanTask, tasks: list[HumanTask], receptionist_id: int | None) -> int | None:
    """Return the id of who handed the step over, among the dossier's `tasks`.

    The step before is the last one completed by the moment this one became ready; a step
    opened with none completed before it came straight from receipt.
    """
    before = [t for t in tasks if t is not task and t.completed_at is not None
              and t.completed_at <= task.created_at]
    if not before:
        return receptionist_id
    return max(before, key=lambda t: (t.completed_at, t.id)).completed_by


def get_givers(session: Session, tasks: list[HumanTask]) -> dict[int, User | None]:
    """Return who handed each step over, by step id, in three queries whatever the count."""
    dossier_ids = {task.dossier_id for task in tasks}
    done: dict[int, list[HumanTask]] = defaultdict(list)
    for earlier in session.scalars(select(HumanTask).where(
            HumanTask.dossier_id.in_(dossier_ids), HumanTask.completed_at.is_not(None))):
        done[earlier.dossier_id].append(earlier)
    receptionists = dict(session.execute(
        select(Dossier.id, Dossier.received_by).where(Dossier.id.in_(dossier_ids))).all())
    ids = {task.id: giver_id(task, done[task.dossier_id], receptionists[task.dossier_id])
           for task in tasks}
    people = {user.id: user for user in session.scalars(
        select(User).where(User.id.in_(set(ids.values()) - {None})))}
    return {task_id: people.get(user_id) for task_id, user_id in ids.items()}
