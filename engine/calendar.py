"""Working-time arithmetic: office hours, weekends, public holidays and per-year overrides."""

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS_PER_DAY = 8
ONE_DAY = timedelta(days=1)
ONE_HOUR = timedelta(hours=1)
SATURDAY = 5
# Holiday names feed day_off_reason next to "weekend"; without a fixed language the
# package would pick one from the process locale.
HOLIDAY_LANGUAGE = "en_US"


@dataclass(frozen=True)
class CalendarOverride:
    """A day the government or the center declares working or off, beating the package."""

    day: date
    working: bool
    note: str = ""


class WorkingCalendar:
    """Count office time between moments, skipping weekends, public holidays and days off.

    Later overrides for the same day win over earlier ones.
    """

    def __init__(
        self,
        *,
        overrides: Iterable[CalendarOverride] = (),
        office_hours: Sequence[tuple[time, time]] = ((time(8), time(12)), (time(13), time(17))),
        zone: ZoneInfo = VIETNAM,
        country: str = "VN",
    ):
        _check_office_hours(office_hours)
        if country not in holidays.list_supported_countries():
            raise ValueError(f"the holidays package does not know country {country!r}")
        self.office_hours = tuple(office_hours)
        self.zone = zone
        self.country = country
        self._overrides = {override.day: override for override in overrides}
        # A plain dict per year, not lru_cache: a cached method would keep every calendar alive.
        self._holidays: dict[int, dict[date, str]] = {}

    @classmethod
    def from_config(
        cls, config: dict, overrides: Iterable[CalendarOverride] = ()
    ) -> "WorkingCalendar":
        """Build the calendar from workflows/calendar.json; `overrides` win over the file's."""
        file_overrides = [_parse_override(entry) for entry in config.get("overrides", [])]
        counts = Counter(override.day for override in file_overrides)
        repeated = sorted(day.isoformat() for day, count in counts.items() if count > 1)
        if repeated:
            raise ValueError(f"calendar overrides: {', '.join(repeated)} listed more than once")
        return cls(
            overrides=[*file_overrides, *overrides],
            office_hours=_parse_office_hours(_required(config, "office_hours")),
            zone=_parse_zone(_required(config, "zone")),
        )

    def is_working_day(self, day: date) -> bool:
        """Tell whether the office works on `day`."""
        return self.day_off_reason(day) is None

    def is_office_time(self, moment: datetime) -> bool:
        """Tell whether the office is open at `moment`, its closing times included."""
        local = self._local(moment)
        return self.is_working_day(local.date()) and any(
            opens <= local.time() <= closes for opens, closes in self.office_hours)

    def day_off_reason(self, day: date) -> str | None:
        """Return why the office is closed on `day`, or None on a working day."""
        override = self._overrides.get(day)
        if override is not None:
            return None if override.working else (override.note or "day off")
        holiday = self._holidays_of(day.year).get(day)
        if holiday is not None:
            return holiday
        return "weekend" if day.weekday() >= SATURDAY else None

    def next_working_start(self, at: datetime) -> datetime:
        """Return `at` if the office is open then, else the next opening."""
        begin, _ = next(self._office_spans(self._local(at)))
        return begin

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """Return the moment `hours` of office time after `start`.

        A budget that runs out exactly at a closing returns that closing, not the next
        opening.
        """
        if hours < 0:
            raise ValueError(f"working hours must not be negative, got {hours}")
        remaining = timedelta(hours=hours)
        spans = self._office_spans(self._local(start))
        begin, end = next(spans)
        while remaining > end - begin:
            remaining -= end - begin
            begin, end = next(spans)
        return begin + remaining

    def subtract_working_hours(self, end: datetime, hours: float) -> datetime:
        """Return the moment `hours` of office time before `end` (reminders before a deadline)."""
        if hours < 0:
            raise ValueError(f"working hours must not be negative, got {hours}")
        remaining = timedelta(hours=hours)
        for begin, stop in self._office_spans_before(self._local(end)):
            if remaining <= stop - begin:
                return stop - remaining
            remaining -= stop - begin
        raise AssertionError("unreachable: office spans never run out")

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """Return the moment `days` working days (of HOURS_PER_DAY hours) after `start`."""
        return self.add_working_hours(start, days * HOURS_PER_DAY)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Return the office hours elapsed in [start, end)."""
        end = self._local(end)
        elapsed = timedelta()
        for begin, stop in self._office_spans(self._local(start)):
            if begin >= end:
                break
            elapsed += min(stop, end) - begin
        return elapsed / ONE_HOUR

    def counting_start(self, received_at: datetime, *, cutoff: time | None = None) -> datetime:
        """Return when the statutory clock starts for a dossier received at `received_at`.

        After the local `cutoff` the clock starts at the next working day's opening;
        outside office hours or on a day off, at the next opening.
        """
        local = self._local(received_at)
        if cutoff is not None and local.time() > cutoff:
            return self._opening(self._next_working_day(local.date()))
        return self.next_working_start(local)

    def statutory_due(
        self,
        received_at: datetime,
        *,
        working_days: float,
        same_day: bool = False,
        cutoff: time | None = None,
    ) -> datetime:
        """Return the appointment: when the result of a dossier received at `received_at` is due."""
        start = self.counting_start(received_at, cutoff=cutoff)
        if same_day:
            return datetime.combine(start.date(), self.office_hours[-1][1], self.zone)
        return self.add_working_days(start, working_days)

    def _holidays_of(self, year: int) -> dict[date, str]:
        if year not in self._holidays:
            self._holidays[year] = dict(
                holidays.country_holidays(self.country, years=year, language=HOLIDAY_LANGUAGE)
            )
        return self._holidays[year]

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(
                f"{moment.isoformat()} has no time zone: pass an aware datetime, "
                "e.g. datetime(..., tzinfo=VIETNAM)"
            )
        return moment.astimezone(self.zone)

    def _office_spans(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield the office intervals from `since` on, the first one clipped to start there."""
        day = since.date()
        while True:
            if self.is_working_day(day):
                for opens, closes in self.office_hours:
                    end = datetime.combine(day, closes, self.zone)
                    if end > since:
                        yield max(datetime.combine(day, opens, self.zone), since), end
            day += ONE_DAY

    def _office_spans_before(self, until: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Yield the office intervals before `until`, latest first, the first clipped there."""
        day = until.date()
        while True:
            if self.is_working_day(day):
                for opens, closes in reversed(self.office_hours):
                    begin = datetime.combine(day, opens, self.zone)
                    if begin < until:
                        yield begin, min(datetime.combine(day, closes, self.zone), until)
            day -= ONE_DAY

    def _next_working_day(self, day: date) -> date:
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def _opening(self, day: date) -> datetime:
        return datetime.combine(day, self.office_hours[0][0], self.zone)


def _check_office_hours(office_hours: Sequence[tuple[time, time]]) -> None:
    if not office_hours:
        raise ValueError("office hours: give at least one [opening, closing] interval")
    for opens, closes in office_hours:
        if opens >= closes:
            raise ValueError(f"office hours: {opens:%H:%M}-{closes:%H:%M} closes before it opens")
    for (_, closes), (opens, _) in pairwise(office_hours):
        if opens < closes:
            raise ValueError(
                f"office hours: the interval opening at {opens:%H:%M} starts before the one "
                f"before it closes at {closes:%H:%M}; list intervals in order, without overlap"
            )


def _required(config: dict, key: str) -> Any:
    if key not in config:
        raise ValueError(f"calendar config: missing {key!r}")
    return config[key]


def _parse_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, TypeError, ValueError):
        raise ValueError(f"calendar config: unknown time zone {name!r}") from None


def _parse_office_hours(rows: list) -> list[tuple[time, time]]:
    for row in rows:
        if not isinstance(row, list | tuple) or len(row) != 2:
            raise ValueError(f"office hours: {row!r} is not an [opening, closing] pair")
    return [(_parse_time(opens), _parse_time(closes)) for opens, closes in rows]


def _parse_time(text: str) -> time:
    try:
        return datetime.strptime(text, "%H:%M").time()
    except (TypeError, ValueError):
        raise ValueError(f"office hours: {text!r} is not a time of day like '08:00'") from None


def _parse_override(entry: dict) -> CalendarOverride:
    try:
        day = date.fromisoformat(entry["date"])
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"calendar override {entry!r}: 'date' must be YYYY-MM-DD") from None
    if not isinstance(entry.get("working"), bool):
        raise ValueError(f"calendar override for {day}: 'working' must be true or false")
    return CalendarOverride(day, entry["working"], entry.get("note_en", ""))
