"""Every change of a dossier's status as a row, and the status a dossier had at a moment."""

from datetime import datetime

from sqlalchemy import ScalarSelect, func, select
from sqlalchemy.orm import Session

from engine.models import Dossier, DossierStatusChange
from engine.statuses import DossierStatus


def change_status(session: Session, dossier: Dossier, status: DossierStatus, *,
                  by: int | None, at: datetime, reason: str | None = None) -> None:
    """Set the dossier's status and record the change in the same transaction.

    `by` is the user who made the change, None for the system (a timer, the scheduler);
    `reason` is why, where the change calls for one (a stop, a withdrawal).
    A dossier not yet received has no status: its first row comes from None. The dossier's
    updated_at moves too, so a dossier not updated since a moment had its status then.
    """
    change = DossierStatusChange(dossier=dossier, from_status=dossier.status,
                                 to_status=int(status), at=at, by_user_id=by,
                                 reason=reason)
    dossier.status = int(status)
    dossier.updated_at = at
    session.add(change)


def status_at(moment: datetime) -> ScalarSelect:
    """Return, for the enclosing query's dossier, its status just before `moment` (or None)."""
    return (select(DossierStatusChange.to_status)
            .where(DossierStatusChange.dossier_id == Dossier.id, DossierStatusChange.at < moment)
            .order_by(DossierStatusChange.at.desc(), DossierStatusChange.id.desc())
            .limit(1).correlate(Dossier).scalar_subquery())


def first_entered(statuses: tuple[DossierStatus, ...]) -> ScalarSelect:
    """Return, for the enclosing query's dossier, when it first took one of `statuses`."""
    return (select(func.min(DossierStatusChange.at))
            .where(DossierStatusChange.dossier_id == Dossier.id,
                   DossierStatusChange.to_status.in_([int(s) for s in statuses]))
            .correlate(Dossier).scalar_subquery())
