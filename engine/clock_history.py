"""Every change of a dossier's statutory clock as a row, and the clock a dossier had at a moment."""

from datetime import datetime

from sqlalchemy import ScalarSelect, select
from sqlalchemy.orm import Session

from engine.models import Dossier, DossierClockChange

# A dossier's clock: when it is due, and since when it is paused (None: it runs).
Clock = tuple[datetime | None, datetime | None]
NO_CLOCK: Clock = (None, None)


def clock_of(dossier: Dossier) -> Clock:
    """Return the dossier's clock as its columns hold it."""
    return dossier.appointment_at, dossier.clock_paused_at


def record_change(session: Session, dossier: Dossier, *, since: Clock, at: datetime) -> None:
    """Record the dossier's clock if it differs from the clock `since` it had before.

    The dossier's updated_at moves too, so a dossier not updated since a moment had the
    clock its columns show.
    """
    if dossier.appointment_at is None or clock_of(dossier) == since:
        return
    if dossier.updated_at != at:
        dossier.updated_at = at
    session.add(DossierClockChange(dossier=dossier, at=at, appointment_at=dossier.appointment_at,
                                   running=dossier.clock_paused_at is None))


def _last_before(column, moment: datetime) -> ScalarSelect:
    return (select(column)
            .where(DossierClockChange.dossier_id == Dossier.id, DossierClockChange.at < moment)
            .order_by(DossierClockChange.at.desc(), DossierClockChange.id.desc())
            .limit(1).correlate(Dossier).scalar_subquery())


def appointment_at(moment: datetime) -> ScalarSelect:
    """Return, for the enclosing query's dossier, its appointment just before `moment` (or None)."""
    return _last_before(DossierClockChange.appointment_at, moment)


def running_at(moment: datetime) -> ScalarSelect:
    """Return, for the enclosing query's dossier, whether its clock ran just before `moment`.

    None when no change was recorded before `moment`.
    """
    return _last_before(DossierClockChange.running, moment)
