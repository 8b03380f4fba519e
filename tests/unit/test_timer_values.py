import pytest

from engine.timer_values import (
    TIME_CYCLE,
    TIME_DATE,
    TIME_DURATION,
    calendar_days,
    iso_literal,
    value_problem,
)


@pytest.mark.parametrize("text", ["P7D", " PT4H\n", "P1Y2M", "R3/PT4H", "R/P1D",
                                  "2026-12-31T17:00:00+07:00", "2026-12-31"])
def test_bare_iso_text_as_bpmn_io_writes_it_is_the_string_it_means(text):
    assert iso_literal(text) == text.strip()


@pytest.mark.parametrize("text", ['"P7D"', "working_days(3)", "deadline", "P7X", "", "7 days"])
def test_python_expressions_and_quoted_strings_are_left_to_the_sandbox(text):
    assert iso_literal(text) is None


@pytest.mark.parametrize(("kind", "value", "problem"), [
    (TIME_DURATION, "P7D", None),
    (TIME_DATE, "2026-12-31T17:00:00+07:00", None),
    (TIME_CYCLE, "R3/PT4H", None),
    (TIME_DATE, "P7D", "'P7D' is a duration, which belongs in a timeDuration, not a timeDate"),
    (TIME_DURATION, "R3/PT4H", "'R3/PT4H' is a cycle, which belongs in a timeCycle, not a "
                               "timeDuration"),
    (TIME_DURATION, "soon", "'soon' is not a duration"),
    (TIME_DATE, 3, "it gives int 3, not a moment"),
])
def test_a_value_spiffworkflow_cannot_schedule_is_named_with_where_it_belongs(kind, value,
                                                                             problem):
    assert value_problem(kind, value) == problem


@pytest.mark.parametrize(("kind", "value", "days"), [
    (TIME_DURATION, "P7D", 7), (TIME_DURATION, "P1W", 0), (TIME_DURATION, "P1DT4H", 0),
    (TIME_DURATION, "PT4H", None), (TIME_CYCLE, "R3/P2D", 2), (TIME_DATE, "2026-12-31", None),
])
def test_durations_counting_days_are_told_apart_from_working_time(kind, value, days):
    assert calendar_days(kind, value) == days
