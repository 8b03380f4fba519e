"""The apology and extension letter (Form 04): one new appointment per dossier, by law."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from engine.access import check_can_extend
from engine.calendar import WorkingCalendar
from engine.context import EngineContext
from engine.deadlines import next_due, reminder_time
from engine.dossier_versions import statutory_deadline
from engine.dossiers import get_dossier_or_raise
from engine.errors import (
    DeadlineExtensionUsed,
    DossierNotRunning,
    InvalidInput,
    NotFound,
)
from engine.models import DeadlineExtension, Dossier, User
from engine.projection import open_tasks
from engine.unit_of_work import DossierUnitOfWork


@dataclass(frozen=True)
class Apology:
    """What the agency writes to the citizen."""

    reason: str
    apology: str
    signed_by: str
    new_appointment_at: datetime


def record_apology(session: Session, ctx: EngineContext, *, code: str, letter: Apology,
                   user: User, now: datetime) -> DeadlineExtension:
    """Record the apology and give the dossier its one new appointment."""
    dossier = get_dossier_or_raise(session, code, user=user)
    check_can_extend(session, user, dossier)
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        dossier = uow.lock(Dossier.id == dossier.id)
        if find_apology(session, dossier) is not None:
            raise DeadlineExtensionUsed(
                f"dossier {code} already had its one new appointment (Decree 118/2025 allows a "
                "new appointment only once)", dossier=code)
        if dossier.processed_at is not None or dossier.finished_at is not None:
            raise DossierNotRunning(f"dossier {code} is already processed; its deadline is "
                                    "closed", reason="processed", dossier=code)
        if dossier.clock_paused_at is not None:
            raise DossierNotRunning(f"dossier {code} is waiting ({dossier.clock_pause_reason}); "
                                    "its deadline is paused and cannot be extended now",
                                    reason="paused", dossier=code)
        calendar = ctx.calendar(session)
        _check_new_appointment(letter.new_appointment_at, dossier.appointment_at, calendar,
                               latest_new_appointment(session, calendar, dossier))
        extension = DeadlineExtension(
            dossier_id=dossier.id, reason=letter.reason, apology=letter.apology,
            signed_by=letter.signed_by, original_appointment_at=dossier.appointment_at,
            new_appointment_at=letter.new_appointment_at, recorded_by=user.id, recorded_at=now)
        session.add(extension)
        dossier.appointment_at = letter.new_appointment_at
        dossier.remind_at = reminder_time(calendar, now, dossier.appointment_at, ctx.rules)
        dossier.reminded_at = dossier.escalated_at = None
        dossier.next_due_at = next_due(dossier, open_tasks(session, dossier), calendar, ctx.rules)
        uow.record(audit.Change(
            actor=user.username, action="deadline.extended", dossier_code=dossier.code,
            before={"appointment_at": extension.original_appointment_at.isoformat()},
            after={"appointment_at": extension.new_appointment_at.isoformat(),
                   "reason": letter.reason}))
        try:
            uow.commit()
        except IntegrityError:
            # Another request recorded the extension between our check and our commit.
            raise DeadlineExtensionUsed(f"dossier {code} already had its one new appointment",
                                        dossier=code) from None
    ctx.due_changed()
    return extension


def latest_new_appointment(session: Session, calendar: WorkingCalendar,
                           dossier: Dossier) -> datetime:
    """Return the latest new appointment the law allows the dossier.

    The law allows the statutory deadline of the dossier's procedure version once more,
    counted from the current appointment.
    """
    return statutory_deadline(session, dossier).due(calendar, counted_from=dossier.appointment_at)


def _check_new_appointment(new: datetime, old: datetime, calendar: WorkingCalendar,
                           latest: datetime) -> None:
    """Refuse a new appointment that is not a working time after the old one, within the law.

    Each refusal names its `reason` and the bound it broke, so the edge can say it in the
    reader's language.
    """
    if new <= old:
        raise InvalidInput(f"the new appointment must be after the current one, "
                           f"{old.isoformat()}", field="new_appointment_at",
                           reason="appointment_not_later", current=old.isoformat())
    if not calendar.is_office_time(new):
        hours = ", ".join(f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in
                          calendar.office_hours)
        raise InvalidInput(f"the new appointment {new.astimezone(calendar.zone).isoformat()} "
                           f"is not a working time: choose a working day, {hours} "
                           f"({calendar.zone.key})", field="new_appointment_at",
                           reason="appointment_not_working_time", hours=hours)
    if new > latest:
        raise InvalidInput(f"the new appointment must be at the latest "
                           f"{latest.astimezone(calendar.zone).isoformat()}: the procedure's "
                           "statutory deadline counted again from the current appointment",
                           field="new_appointment_at", reason="appointment_too_late",
                           latest=latest.isoformat())


def find_apology(session: Session, dossier: Dossier) -> DeadlineExtension | None:
    """Return the apology and extension of a dossier the caller may see, if it has one."""
    return session.scalars(select(DeadlineExtension)
                           .where(DeadlineExtension.dossier_id == dossier.id)).one_or_none()


def get_apology_or_raise(session: Session, *, code: str, user: User) -> DeadlineExtension:
    """Return the dossier's apology and extension."""
    dossier = get_dossier_or_raise(session, code, user=user)
    extension = find_apology(session, dossier)
    if extension is None:
        raise NotFound(f"dossier {code} has no apology and extension", code=code,
                       reason="no_apology")
    return extension
