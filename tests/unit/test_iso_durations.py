"""The import reads a dueDate or timer duration as the engine's timers do, then in working time."""

import pytest

from engine.iso_durations import parse_duration, working_time_expression
from engine.timer_values import TIME_DURATION, value_problem


@pytest.mark.parametrize(("text", "hours", "expression"), [
    ("P3D", 24, "working_days(3)"),
    ("P1W", 40, "working_days(5)"),
    ("P2DT4H", 20, "working_hours(20)"),
    ("PT30M", 0.5, "working_hours(0.5)"),
    (" P1.5D ", 12, "working_days(1.5)"),
])
def test_a_duration_the_engine_reads_becomes_working_time(text, hours, expression):
    duration = parse_duration(text)

    assert value_problem(TIME_DURATION, text.strip()) is None
    assert (duration.working_hours, working_time_expression(duration)) == (hours, expression)


@pytest.mark.parametrize("text", ["P1M", "P1Y", "P", "PT", "P1W2D", "2026-12-31", "3 days", ""])
def test_what_is_no_working_time_duration_is_not_converted(text):
    assert parse_duration(text) is None
