"""ISO-8601 durations as drawn in other tools, in motcua's working time.

One working day is 8 working hours (DOMAIN.md). Months and years have no fixed length in
working time, so they are not converted.
"""

from dataclasses import dataclass

from engine.timer_values import duration_parts

HOURS_PER_WORKING_DAY = 8


@dataclass(frozen=True)
class Duration:
    """An ISO-8601 duration's parts that working time can express."""

    days: float
    hours: float

    @property
    def working_hours(self) -> float:
        """Return the duration in working hours, a day counting 8."""
        return self.days * HOURS_PER_WORKING_DAY + self.hours


def parse_duration(text: str) -> Duration | None:
    """Return a duration in days and hours, or None for anything else (months, years, dates).

    The text is read by the engine's own parser (engine.timer_values), so what the import
    converts is what a timer runs.
    """
    parts = duration_parts(text.strip())
    if not parts or parts.get("years") or parts.get("months"):
        return None
    return Duration(days=parts.get("weeks", 0) * 5 + parts.get("days", 0),
                    hours=parts.get("hours", 0) + parts.get("minutes", 0) / 60
                    + parts.get("seconds", 0) / 3600)


def working_time_expression(duration: Duration) -> str:
    """Return the timeDate helper call that waits this long in working time."""
    if duration.hours == 0:
        return f"working_days({duration.days:g})"
    return f"working_hours({duration.working_hours:g})"
