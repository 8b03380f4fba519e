"""The outbox of reminders, escalations and citizens' notices, for staff and a delivery channel."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import sees_all_dossiers, sees_everyones_notifications, visible_dossiers
from engine.models import Dossier, Notification, User
from engine.statuses import Role


class Kind:
    """What a notification is about."""

    STEP_REMINDER = "step.reminder"
    STEP_OVERDUE = "step.overdue"
    DOSSIER_REMINDER = "dossier.reminder"
    DOSSIER_OVERDUE = "dossier.overdue"
    DOSSIER_CLOSED = "dossier.closed"
    DOSSIER_WITHDRAWN = "dossier.withdrawn"
    DOSSIER_STOPPED = "dossier.stopped"
    SUBMISSION_ACCEPTED = "submission.accepted"
    SUBMISSION_INCOMPLETE = "submission.incomplete"
    SUBMISSION_REFUSED = "submission.refused"


def heads_of(session: Session, department_codes: set[str]) -> list[User]:
    """Return the active heads of these departments."""
    if not department_codes:
        return []
    return list(session.scalars(select(User).where(
        User.role == Role.HEAD, User.department_code.in_(department_codes),
        User.active.is_(True))))


def supervisors(session: Session) -> list[User]:
    """Return the active supervisors."""
    return list(session.scalars(select(User).where(User.role == Role.SUPERVISOR,
                                                   User.active.is_(True))))


def notify(session: Session, *, kind: str, recipients: list[User], dossier_code: str,
           message: str, now: datetime, task_id: int | None = None,
           due_at: datetime | None = None) -> int:
    """Put one notification per distinct active recipient in the outbox; return how many."""
    unique = {user.id: user for user in recipients if user.active}
    session.add_all(Notification(kind=kind, recipient_id=user_id, dossier_code=dossier_code,
                                 task_id=task_id, due_at=due_at, message=message,
                                 created_at=now) for user_id in unique)
    return len(unique)


def notify_citizen(session: Session, *, kind: str, dossier: Dossier, message: str,
                   now: datetime) -> None:
    """Put a word to the dossier's applicant in the outbox, to their email, else their phone."""
    contact = dossier.applicant.get("email") or dossier.applicant.get("phone")
    session.add(Notification(kind=kind, recipient_id=None, contact=contact,
                             dossier_code=dossier.code, message=message, created_at=now))


def get_all_notifications(session: Session, *, user: User, everyone: bool, kind: str | None,
                          page: int, page_size: int) -> list[Notification]:
    """Return the caller's notifications, newest first; supervisors may see everyone's.

    Only notifications about dossiers the caller may see (engine.access) are listed.
    """
    query = select(Notification)
    if not (everyone and sees_everyones_notifications(user)):
        query = query.where(Notification.recipient_id == user.id)
    if not sees_all_dossiers(session, user):
        query = query.where(Notification.dossier_code.in_(
            select(Dossier.code).where(visible_dossiers(session, user))))
    if kind:
        query = query.where(Notification.kind == kind)
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return list(session.scalars(query.offset((page - 1) * page_size).limit(page_size)))
