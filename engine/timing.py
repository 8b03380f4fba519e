"""Working-time helpers for BPMN timer expressions, bound to the use case's clock.

Designers write `working_days(3)` or `dossier_due()` in a timer's timeDate; the helpers
answer from the calendar and the `now` of the unit of work that runs the engine, never
from the wall clock, so simulations and tests control time.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from engine.calendar import WorkingCalendar


@dataclass(frozen=True)
class EngineClock:
    """What timer expressions may know about time while the engine runs."""

    now: datetime
    calendar: WorkingCalendar
    appointment_at: datetime | None


_clock: ContextVar[EngineClock | None] = ContextVar("motcua_engine_clock", default=None)


@contextmanager
def engine_clock(clock: EngineClock) -> Iterator[None]:
    """Bind the clock that timer helpers read while the engine runs."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


_INSTANT = timedelta(microseconds=1)


class _EngineDatetime(datetime):
    """`datetime` whose now() is the bound engine clock, so timers fire by the use case's time."""

    @classmethod
    def now(cls, tz=None):
        clock = _clock.get()
        if clock is None:
            return super().now(tz)
        # SpiffWorkflow fires a timer only once now is strictly past its due time; a timer
        # due at the use case's instant has fallen due, so the engine sees just past it.
        now = clock.now + _INSTANT
        return now.astimezone(tz) if tz is not None else now


# SpiffWorkflow has no injectable clock: its timer events call datetime.now() directly.
# Rebinding the name in that one module makes them compare with the engine clock while a
# use case runs the engine, and with the wall clock otherwise.
spiff_timer.datetime = _EngineDatetime


def bound_clock() -> EngineClock | None:
    """Return the clock bound by the running use case, if any."""
    return _clock.get()


def _current() -> EngineClock:
    clock = _clock.get()
    if clock is None:
        raise RuntimeError("working-time helpers run only inside the engine")
    return clock


def working_hours(hours: float) -> str:
    """Return the moment `hours` working hours from now, for a timeDate."""
    clock = _current()
    return clock.calendar.add_working_hours(clock.now, float(hours)).isoformat()


def working_days(days: float) -> str:
    """Return the moment `days` working days from now, for a timeDate."""
    clock = _current()
    return clock.calendar.add_working_days(clock.now, float(days)).isoformat()


def dossier_due() -> str:
    """Return the dossier's appointment, for a timeDate."""
    clock = _current()
    if clock.appointment_at is None:
        raise ValueError("the dossier has no appointment yet")
    return clock.appointment_at.isoformat()


TIMER_HELPERS = {"working_hours": working_hours, "working_days": working_days,
                 "dossier_due": dossier_due}
