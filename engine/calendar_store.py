"""The center's calendar: office hours from workflows/calendar.json, overrides in the database."""

import json
import time as monotonic_time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine import audit
from engine.access import check_is_admin
from engine.calendar import CalendarOverride, WorkingCalendar
from engine.change_signals import CALENDAR, GENERATIONS, announce, signalled
from engine.errors import InvalidInput, NotFound
from engine.models import CalendarOverrideRow, User
from engine.sql import insert_for

CALENDAR_FILE = "calendar.json"
NOTE_MAX = 300
# Without change signals (SQLite), other processes see an admin's change within this long.
REFRESH_SECONDS = 30.0
# A transaction reads one calendar, however many times its steps ask for it.
_IN_TRANSACTION = "motcua_calendar"


class CalendarSource:
    """Build the working calendar from the file and the database, and keep it briefly."""

    def __init__(self, workflows_dir: Path):
        self._config = json.loads((workflows_dir / CALENDAR_FILE).read_text(encoding="utf-8"))
        self._cached: WorkingCalendar | None = None
        self._loaded_at = 0.0
        self._generation = -1

    @property
    def zone_name(self) -> str:
        """Return the name of the zone office hours are kept in, as the file states it."""
        return self._config["zone"]

    def get(self, session: Session) -> WorkingCalendar:
        """Return the calendar: the transaction's, else the process's, rebuilt after a change.

        With change signals (engine.change_signals) an admin's change, in any process, is
        seen from the next request on; without them, within REFRESH_SECONDS.
        """
        if _IN_TRANSACTION in session.info:
            return session.info[_IN_TRANSACTION]
        generation = GENERATIONS.of(CALENDAR)
        if (self._cached is None or self._generation != generation
                or (not signalled(session)
                    and monotonic_time.monotonic() - self._loaded_at > REFRESH_SECONDS)):
            rows = session.scalars(select(CalendarOverrideRow)).all()
            overrides = [CalendarOverride(day=r.day, working=r.working, note=r.note) for r in rows]
            self._cached = WorkingCalendar.from_config(self._config, overrides)
            self._loaded_at = monotonic_time.monotonic()
            self._generation = generation
        session.info[_IN_TRANSACTION] = self._cached
        return self._cached

    def forget(self) -> None:
        """Drop the cached calendar after an override changed."""
        self._cached = None


@event.listens_for(Session, "after_transaction_end")
def _forget_transactions_calendar(session: Session, _transaction) -> None:
    session.info.pop(_IN_TRANSACTION, None)


def get_overrides(session: Session, *, year: int | None = None) -> list[CalendarOverrideRow]:
    """Return the days an admin set, in date order."""
    query = select(CalendarOverrideRow).order_by(CalendarOverrideRow.day)
    if year is not None:
        query = query.where(CalendarOverrideRow.day >= date(year, 1, 1),
                            CalendarOverrideRow.day <= date(year, 12, 31))
    return list(session.scalars(query))


def set_override(session: Session, source: CalendarSource, *, day: date, working: bool,
                 note: str, user: User, now: datetime) -> CalendarOverrideRow:
    """Declare a day worked or off (an official swap or a local closure)."""
    check_is_admin(user, "changes the working calendar")
    if not note.strip():
        raise InvalidInput("say why, e.g. 'Saturday worked in exchange for Monday 31 August'",
                           field="note", reason="note_required")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"the note has {len(note)} characters; keep it under {NOTE_MAX}",
                           field="note", reason="note_too_long", max_length=NOTE_MAX)
    row = session.get(CalendarOverrideRow, day)
    before = None if row is None else {"working": row.working, "note": row.note}
    # An upsert, so two admins declaring the same new day at once both succeed.
    values = {"working": working, "note": note, "updated_by": user.username, "updated_at": now}
    session.execute(insert_for(session, CalendarOverrideRow).values(day=day, **values)
                    .on_conflict_do_update(index_elements=[CalendarOverrideRow.day], set_=values))
    announce(session, CALENDAR)
    audit.append(session, [audit.Change(actor=user.username, action="calendar.override_set",
                                        before=before, after={"day": day.isoformat(),
                                                              "working": working,
                                                              "note": note})], now=now)
    session.commit()
    source.forget()
    return session.get(CalendarOverrideRow, day, populate_existing=True)


def delete_override(session: Session, source: CalendarSource, *, day: date, user: User,
                    now: datetime) -> None:
    """Remove an override: the day falls back to workflows/calendar.json, holidays, weekends."""
    check_is_admin(user, "changes the working calendar")
    row = session.get(CalendarOverrideRow, day)
    if row is None:
        raise NotFound(f"no override for {day.isoformat()}", day=day.isoformat(),
                       reason="no_calendar_override")
    session.delete(row)
    announce(session, CALENDAR)
    audit.append(session, [audit.Change(actor=user.username, action="calendar.override_deleted",
                                        before={"day": day.isoformat(), "working": row.working,
                                                "note": row.note})], now=now)
    session.commit()
    source.forget()
