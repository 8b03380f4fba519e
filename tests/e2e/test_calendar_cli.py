"""`motcua calendar`: the installed console script answers due-time and working-day questions."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

MOTCUA = Path(sys.executable).with_name("motcua")


@pytest.fixture
def motcua(tmp_path):
    """Run the installed console script against the test's own SQLite file."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MOTCUA_", "FLASK_"))}
    env["MOTCUA_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cal.db'}"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(MOTCUA), *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, check=False)

    return run


@pytest.fixture
def initialised(motcua):
    for args in (("init", "--no-demo"), ("user", "add", "root", "--role", "admin")):
        result = motcua(*args)
        assert result.returncode == 0, result.stderr
    return motcua


def last_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_two_working_days_from_friday_skip_the_observed_hung_kings_monday(initialised):
    # Fri 24 Apr 09:00-17:00 gives 7 hours; Sat, Sun and Mon 27 Apr (observed) are off;
    # Tue 28 gives 8 more; the last hour ends Wed 29 Apr at 09:00.
    result = initialised("calendar", "due", "--from", "2026-04-24T09:00:00+07:00",
                         "--working-days", "2")

    assert last_line(result) == "2026-04-29T09:00:00+07:00"


def test_birth_registration_after_the_cut_off_is_due_the_next_evening(initialised):
    # The naive time is Vietnamese: Monday 15:30 is after the 15:00 cut-off.
    result = initialised("calendar", "due", "--from", "2026-03-02T15:30",
                         "--procedure", "1.001193")

    assert last_line(result) == "2026-03-03T17:00:00+07:00"
    assert "2026-03-03T08:00:00+07:00" in result.stdout


def test_working_hours_are_counted_in_office_hours(initialised):
    # Monday 15:00-17:00 gives 2 hours; the other 2 end Tuesday at 10:00.
    result = initialised("calendar", "due", "--from", "2026-03-02T15:00:00+07:00",
                         "--working-hours", "4")

    assert last_line(result) == "2026-03-03T10:00:00+07:00"


@pytest.mark.parametrize(("args", "message"), [
    ((), "--working-days or --working-hours"),
    (("--working-days", "1", "--working-hours", "8"), "not both"),
    (("--procedure", "9.999999"), "9.999999"),
    (("--working-days", "-1"), "between 0 and"),
])
def test_a_due_question_without_one_count_or_with_an_unknown_procedure_fails(
        initialised, args, message):
    result = initialised("calendar", "due", "--from", "2026-03-02T09:00:00+07:00", *args)

    assert result.returncode == 1
    assert message in result.stderr


def test_the_swapped_saturday_is_working_and_the_monday_it_buys_is_not(initialised):
    saturday = initialised("calendar", "is-working-day", "2026-08-22")
    monday = initialised("calendar", "is-working-day", "2026-08-31")

    assert last_line(saturday) == "yes"
    assert monday.stdout.strip().splitlines() == ["Day off (substituted from 08/22/2026)", "no"]


def test_a_badly_written_date_fails(initialised):
    result = initialised("calendar", "is-working-day", "31/08/2026")

    assert result.returncode == 1
    assert "YYYY-MM-DD" in result.stderr


def test_an_admin_closure_makes_the_day_off_until_it_is_deleted(initialised):
    before = initialised("calendar", "is-working-day", "2026-12-31")

    closed = initialised("calendar", "override", "set", "2026-12-31", "--off",
                         "--note", "Local closure")
    during = initialised("calendar", "is-working-day", "2026-12-31")
    listed = initialised("calendar", "override", "list", "--year", "2026")
    deleted = initialised("calendar", "override", "delete", "2026-12-31")
    after = initialised("calendar", "is-working-day", "2026-12-31")

    assert last_line(before) == "yes"
    assert closed.returncode == 0, closed.stderr
    assert during.stdout.strip().splitlines() == ["Local closure", "no"]
    assert "2026-12-31  off" in listed.stdout and "by root" in listed.stdout
    assert deleted.returncode == 0, deleted.stderr
    assert last_line(after) == "yes"


def test_deleting_a_day_without_an_override_fails(initialised):
    result = initialised("calendar", "override", "delete", "2026-12-31")

    assert result.returncode == 1
    assert "no override for 2026-12-31" in result.stderr


def test_changing_the_calendar_without_an_admin_asks_for_one(motcua):
    assert motcua("init", "--no-demo").returncode == 0

    result = motcua("calendar", "override", "set", "2026-12-31", "--off", "--note", "Closure")

    assert result.returncode == 1
    assert "create an admin first: motcua user add NAME --role admin" in result.stderr


def test_an_override_needs_working_or_off(initialised):
    result = initialised("calendar", "override", "set", "2026-12-31", "--note", "Closure")

    assert result.returncode == 1
    assert "--working or --off" in result.stderr
