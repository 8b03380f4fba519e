import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from engine.calendar import VIETNAM, CalendarOverride, WorkingCalendar

CONFIG = json.loads(
    (Path(__file__).parents[2] / "workflows" / "calendar.json").read_text(encoding="utf-8")
)
CUTOFF = time(15)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar.from_config(CONFIG)


def config_with(**changes) -> dict:
    return {**CONFIG, **changes}


# Tết 2026


@pytest.mark.parametrize("day", [16, 17, 18, 19, 20])
def test_the_five_days_of_tet_2026_are_days_off(calendar, day):
    tet_day = date(2026, 2, day)

    working = calendar.is_working_day(tet_day)

    assert not working


def test_the_monday_after_tet_2026_is_a_working_day(calendar):
    monday = date(2026, 2, 23)

    working = calendar.is_working_day(monday)

    assert working


def test_a_deadline_received_before_tet_resumes_after_the_holiday_week(calendar):
    # Fri 13 Feb: 10-12 and 13-17 = 6 h; Sat 14 to Sun 22 closed; Mon 23 and Tue 24 = 16 h
    # (22 in all); the last 2 h run 08:00-10:00 on Wed 25 Feb.
    received = at(2026, 2, 13, 10)

    due = calendar.statutory_due(received, working_days=3)

    assert due == at(2026, 2, 25, 10)


# Hung Kings' day, 30 April and 1 May 2026


@pytest.mark.parametrize("day", [date(2026, 4, 26), date(2026, 4, 27)])
def test_hung_kings_day_on_a_sunday_is_also_observed_on_the_monday(calendar, day):
    reason = calendar.day_off_reason(day)

    assert reason is not None
    assert "Hung Kings" in reason


def test_a_two_day_deadline_skips_the_observed_hung_kings_day(calendar):
    # Fri 24 Apr: 9-12 and 13-17 = 7 h; Mon 27 Apr observed; Tue 28 = 8 h (15);
    # the last hour runs 08:00-09:00 on Wed 29 Apr.
    received = at(2026, 4, 24, 9)

    due = calendar.statutory_due(received, working_days=2)

    assert due == at(2026, 4, 29, 9)


def test_a_three_day_deadline_also_skips_30_april_and_1_may(calendar):
    # Fri 24 Apr 7 h, Tue 28 8 h, Wed 29 8 h (23); Thu 30 Apr, Fri 1 May and the weekend
    # closed; the last hour runs 08:00-09:00 on Mon 4 May.
    received = at(2026, 4, 24, 9)

    due = calendar.statutory_due(received, working_days=3)

    assert due == at(2026, 5, 4, 9)


# The National Day swap of 2026


def test_saturday_22_august_2026_is_worked_in_exchange_for_monday_31_august(calendar):
    saturday = date(2026, 8, 22)

    working = calendar.is_working_day(saturday)

    assert working
    assert WorkingCalendar().day_off_reason(saturday) == "weekend"


@pytest.mark.parametrize("day", [date(2026, 8, 31), date(2026, 9, 1), date(2026, 9, 2)])
def test_the_national_day_break_of_2026_is_off(calendar, day):
    working = calendar.is_working_day(day)

    assert not working


def test_a_deadline_counts_the_worked_saturday(calendar):
    # Fri 21 Aug 14-17 = 3 h; Sat 22 Aug worked = 8 h (11); Mon 24: 08-12 and 13-14 = 5 h.
    received = at(2026, 8, 21, 14)

    due = calendar.statutory_due(received, working_days=2)

    assert due == at(2026, 8, 24, 14)


def test_a_deadline_crossing_the_national_day_break_resumes_on_thursday(calendar):
    # Fri 28 Aug 10-12 and 13-17 = 6 h; Sat 29 Aug to Wed 2 Sep closed; Thu 3 Sep 8 h (14);
    # the last 2 h run 08:00-10:00 on Fri 4 Sep.
    received = at(2026, 8, 28, 10)

    due = calendar.statutory_due(received, working_days=2)

    assert due == at(2026, 9, 4, 10)


# Cut-off and online submissions


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 3, 2, 14, 59), at(2026, 3, 2, 17)),
        (at(2026, 3, 2, 15, 0), at(2026, 3, 2, 17)),
        (at(2026, 3, 2, 15, 1), at(2026, 3, 3, 17)),
        (at(2026, 3, 6, 15, 30), at(2026, 3, 9, 17)),
    ],
)
def test_a_same_day_dossier_received_after_the_cutoff_is_due_the_next_working_day(
    calendar, received, due
):
    appointment = calendar.statutory_due(received, working_days=0, same_day=True, cutoff=CUTOFF)

    assert appointment == due


def test_a_dossier_received_after_the_cutoff_counts_from_the_next_working_day(calendar):
    received = at(2026, 3, 2, 15, 1)

    start = calendar.counting_start(received, cutoff=CUTOFF)

    assert start == at(2026, 3, 3, 8)


@pytest.mark.parametrize(
    ("submitted", "start"),
    [
        (at(2026, 3, 2, 18), at(2026, 3, 3, 8)),
        (at(2026, 3, 6, 18), at(2026, 3, 9, 8)),
        (at(2026, 3, 1, 10), at(2026, 3, 2, 8)),
        (at(2026, 2, 14, 9), at(2026, 2, 23, 8)),
    ],
)
def test_an_online_submission_outside_office_time_counts_from_the_next_opening(
    calendar, submitted, start
):
    counted_from = calendar.counting_start(submitted)

    assert counted_from == start


def test_a_submission_inside_office_hours_counts_from_the_moment_of_receipt(calendar):
    submitted = at(2026, 3, 2, 10, 17)

    counted_from = calendar.counting_start(submitted)

    assert counted_from == submitted


def test_a_submission_during_the_lunch_break_counts_from_the_afternoon_opening(calendar):
    submitted = at(2026, 3, 2, 12, 30)

    counted_from = calendar.counting_start(submitted)

    assert counted_from == at(2026, 3, 2, 13)


# Half days and working hours


def test_four_hours_from_mid_morning_skip_the_lunch_break(calendar):
    start = at(2026, 3, 2, 10)

    end = calendar.add_working_hours(start, 4)

    assert end == at(2026, 3, 2, 15)


def test_half_a_day_from_eleven_ends_at_four(calendar):
    start = at(2026, 3, 2, 11)

    end = calendar.add_working_days(start, 0.5)

    assert end == at(2026, 3, 2, 16)


def test_a_fractional_budget_counts_minutes(calendar):
    start = at(2026, 3, 2, 11, 45)

    end = calendar.add_working_hours(start, 0.5)

    assert end == at(2026, 3, 2, 13, 15)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(2026, 3, 6, 15), at(2026, 3, 9, 10), 4.0),
        (at(2026, 3, 2, 11), at(2026, 3, 2, 14), 2.0),
        (at(2026, 3, 2, 11, 30), at(2026, 3, 2, 12, 30), 0.5),
        (at(2026, 2, 13, 10), at(2026, 2, 23, 10), 8.0),
        (at(2026, 3, 2, 17), at(2026, 3, 3, 8), 0.0),
        (at(2026, 3, 3, 9), at(2026, 3, 2, 9), 0.0),
    ],
    ids=["weekend", "lunch", "half-hour-across-lunch", "tet", "overnight", "backwards"],
)
def test_working_hours_between_count_only_office_time(calendar, start, end, hours):
    elapsed = calendar.working_hours_between(start, end)

    assert elapsed == hours


def test_the_whole_of_2026_has_249_working_days(calendar):
    # 261 weekdays, less 13 weekday holidays (1 Jan, 16-20 Feb, 27 Apr, 30 Apr, 1 May,
    # 31 Aug, 1-2 Sep, 24 Nov), plus the worked Saturday 22 Aug.
    start, end = at(2026, 1, 1), at(2027, 1, 1)

    elapsed = calendar.working_hours_between(start, end)

    assert elapsed == 249 * 8


def test_two_thousand_hours_run_into_the_next_year(calendar):
    # 2,000 h = 250 full days from the first opening of 2026 (Fri 2 Jan): 249 in 2026, and
    # the 250th is Mon 4 Jan 2027 because Fri 1 Jan 2027 is New Year's Day.
    start = at(2026, 1, 1, 8)

    end = calendar.add_working_hours(start, 2000)

    assert end == at(2027, 1, 4, 17)


# Pausing the clock for a supplement


def test_a_paused_clock_that_resumes_keeps_the_hours_already_spent(calendar):
    # 5-day budget (40 h) from Mon 2 Mar 08:00; paused at 14:00 after 5 h; back Thu 5 Mar
    # 14:00 with 35 h left: Thu 3 h, Fri/Mon/Tue/Wed 32 h, ending exactly Wed 11 Mar 17:00.
    received, paused, resumed = at(2026, 3, 2, 8), at(2026, 3, 2, 14), at(2026, 3, 5, 14)
    elapsed = calendar.working_hours_between(received, paused)

    due = calendar.add_working_hours(resumed, 5 * 8 - elapsed)

    assert elapsed == 5.0
    assert due == at(2026, 3, 11, 17)


def test_a_clock_that_restarts_from_zero_after_a_supplement_gets_the_full_budget(calendar):
    # 40 h from Thu 5 Mar 14:00: Thu 3 h, Fri/Mon/Tue/Wed 32 h (35); Thu 12 Mar 08-12 and
    # 13-14 for the last 5 h.
    resumed = at(2026, 3, 5, 14)

    due = calendar.add_working_days(resumed, 5)

    assert due == at(2026, 3, 12, 14)


# Boundaries


@pytest.mark.parametrize(
    ("start", "hours", "end"),
    [
        (at(2026, 3, 2, 10), 2, at(2026, 3, 2, 12)),
        (at(2026, 3, 2, 13), 4, at(2026, 3, 2, 17)),
        (at(2026, 3, 2, 8), 8, at(2026, 3, 2, 17)),
        (at(2026, 3, 2, 12), 1, at(2026, 3, 2, 14)),
        (at(2026, 3, 2, 17), 1, at(2026, 3, 3, 9)),
        (at(2026, 3, 6, 16), 1, at(2026, 3, 6, 17)),
        (at(2026, 3, 6, 16), 2, at(2026, 3, 9, 9)),
    ],
    ids=[
        "ends-at-noon",
        "ends-at-closing",
        "full-day-from-opening",
        "starts-at-noon",
        "starts-at-closing",
        "ends-at-friday-closing",
        "crosses-the-weekend",
    ],
)
def test_a_budget_ending_on_a_closing_stays_on_that_closing(calendar, start, hours, end):
    due = calendar.add_working_hours(start, hours)

    assert due == end


@pytest.mark.parametrize(
    ("moment", "start"),
    [
        (at(2026, 3, 2, 8), at(2026, 3, 2, 8)),
        (at(2026, 3, 2, 7, 30), at(2026, 3, 2, 8)),
        (at(2026, 3, 2, 11, 59), at(2026, 3, 2, 11, 59)),
        (at(2026, 3, 2, 12), at(2026, 3, 2, 13)),
        (at(2026, 3, 2, 12, 30), at(2026, 3, 2, 13)),
        (at(2026, 3, 2, 17), at(2026, 3, 3, 8)),
        (at(2026, 3, 6, 17, 30), at(2026, 3, 9, 8)),
    ],
)
def test_the_next_working_start_is_the_moment_itself_or_the_next_opening(calendar, moment, start):
    next_start = calendar.next_working_start(moment)

    assert next_start == start


def test_zero_hours_return_the_next_working_start(calendar):
    start = at(2026, 3, 2, 12, 30)

    end = calendar.add_working_hours(start, 0)

    assert end == at(2026, 3, 2, 13)


def test_utc_input_is_read_as_hanoi_time():
    monday_opening_in_utc = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    calendar = WorkingCalendar()

    start = calendar.next_working_start(monday_opening_in_utc)
    end = calendar.add_working_hours(monday_opening_in_utc, 1)

    assert start == at(2026, 3, 2, 8)
    assert end == at(2026, 3, 2, 9)
    assert start.tzinfo is VIETNAM
    assert end.tzinfo is VIETNAM


def test_a_sunday_evening_in_utc_is_already_monday_morning_in_hanoi():
    sunday_evening_in_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)

    start = WorkingCalendar().next_working_start(sunday_evening_in_utc)

    assert start == at(2026, 3, 2, 8)


def test_a_naive_datetime_is_refused(calendar):
    naive = datetime(2026, 3, 2, 10)

    with pytest.raises(ValueError, match="no time zone"):
        calendar.add_working_hours(naive, 1)


def test_a_negative_budget_is_refused(calendar):
    with pytest.raises(ValueError, match="must not be negative"):
        calendar.add_working_hours(at(2026, 3, 2, 10), -1)


# Reasons


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 3, 2), None),
        (date(2026, 3, 7), "weekend"),
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 11, 24), "Vietnam Cultural Day"),
        (date(2026, 8, 22), None),
    ],
)
def test_a_day_off_says_why(calendar, day, reason):
    why = calendar.day_off_reason(day)

    assert why == reason


def test_a_day_off_override_gives_its_note_as_the_reason():
    calendar = WorkingCalendar(overrides=[CalendarOverride(date(2026, 3, 4), False, "Flood")])

    reason = calendar.day_off_reason(date(2026, 3, 4))

    assert reason == "Flood"


# Configuration


def test_the_calendar_file_builds_the_default_office_hours(calendar):
    hours = calendar.office_hours

    assert hours == ((time(8), time(12)), (time(13), time(17)))
    assert calendar.zone == VIETNAM


def test_a_database_override_beats_the_holiday_package_and_the_file():
    database_overrides = [
        CalendarOverride(date(2026, 8, 31), True, "Province keeps Monday 31 August open"),
        CalendarOverride(date(2026, 8, 22), False, "Saturday swap cancelled"),
    ]

    calendar = WorkingCalendar.from_config(CONFIG, database_overrides)

    assert calendar.is_working_day(date(2026, 8, 31))
    assert calendar.day_off_reason(date(2026, 8, 22)) == "Saturday swap cancelled"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"office_hours": [["8h00", "12:00"]]}, "'8h00' is not a time of day"),
        ({"office_hours": [["08:00", "25:00"]]}, "'25:00' is not a time of day"),
        ({"office_hours": [["08:00"]]}, "not an \\[opening, closing\\] pair"),
        ({"office_hours": [["12:00", "08:00"]]}, "closes before it opens"),
        ({"office_hours": [["08:00", "12:30"], ["12:00", "17:00"]]}, "without overlap"),
        ({"office_hours": [["13:00", "17:00"], ["08:00", "12:00"]]}, "in order"),
        ({"office_hours": []}, "at least one"),
        ({"zone": "Asia/Hanoi_City"}, "unknown time zone"),
        (
            {"overrides": [{"date": "2026-08-22", "working": True}] * 2},
            "2026-08-22 listed more than once",
        ),
        ({"overrides": [{"date": "22/08/2026", "working": True}]}, "YYYY-MM-DD"),
        ({"overrides": [{"date": "2026-08-22", "working": "yes"}]}, "true or false"),
    ],
)
def test_a_bad_calendar_file_is_refused_with_the_problem_named(changes, problem):
    config = config_with(**changes)

    with pytest.raises(ValueError, match=problem):
        WorkingCalendar.from_config(config)


def test_a_calendar_file_without_office_hours_is_refused():
    config = {"zone": "Asia/Ho_Chi_Minh"}

    with pytest.raises(ValueError, match="missing 'office_hours'"):
        WorkingCalendar.from_config(config)


def test_a_reminder_one_working_day_before_a_monday_deadline_falls_on_friday(calendar):
    due = at(2026, 3, 9, 10)

    assert calendar.subtract_working_hours(due, 8) == at(2026, 3, 6, 10)


def test_subtracting_across_tet_skips_the_holiday_week(calendar):
    due = at(2026, 2, 23, 9)

    # Mon 23 Feb 08:00–09:00 is 1 h; the previous working day is Fri 13 Feb.
    assert calendar.subtract_working_hours(due, 3) == at(2026, 2, 13, 15)


def test_subtracting_lands_on_an_opening_rather_than_the_previous_closing(calendar):
    due = at(2026, 3, 2, 17)

    assert calendar.subtract_working_hours(due, 4) == at(2026, 3, 2, 13)
    assert calendar.subtract_working_hours(due, 8) == at(2026, 3, 2, 8)
