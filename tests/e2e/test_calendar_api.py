"""The working calendar over HTTP: admins' overrides, day lookups and due times."""

import pytest

from tests.conftest import snapshot
from tests.e2e.helpers import BIRTH

OVERRIDES = "/api/v1/calendar/overrides"
DAYS = "/api/v1/calendar/days"
DUE = "/api/v1/calendar/due"
SWAP_NOTE = "Saturday worked in exchange for Monday 31 August"


def assert_refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["status"] == status
    assert error["code"] == code
    assert error["message"]
    return error


def day(http, person, when: str) -> dict:
    response = http.get(f"{DAYS}/{when}", headers=person.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_admin_declaring_saturday_22_august_worked_makes_it_a_working_day(http, staff):
    admin = staff["admin"]

    response = http.put(f"{OVERRIDES}/2026-08-22", headers=admin.headers,
                        json={"working": True, "note": SWAP_NOTE})

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["day"], body["working"], body["note"]) == ("2026-08-22", True, SWAP_NOTE)
    assert body["updated_by"] == "admin"
    assert day(http, staff["office"], "2026-08-22") == {
        "date": "2026-08-22", "working": True, "reason": None}


def test_any_staff_member_lists_the_overrides_of_a_year(http, staff):
    admin = staff["admin"]
    for when, working, note in (("2025-12-31", False, "Year-end closure"),
                                ("2026-08-22", True, SWAP_NOTE),
                                ("2026-12-31", False, "Local closure")):
        http.put(f"{OVERRIDES}/{when}", headers=admin.headers,
                 json={"working": working, "note": note})

    response = http.get(OVERRIDES, params={"year": 2026}, headers=staff["office"].headers)

    assert response.status_code == 200, response.text
    assert [(o["day"], o["working"], o["note"], o["updated_by"]) for o in response.json()] == [
        ("2026-08-22", True, SWAP_NOTE, "admin"),
        ("2026-12-31", False, "Local closure", "admin"),
    ]


def test_an_admin_closing_a_working_day_gives_the_note_as_the_reason(http, staff):
    before = day(http, staff["office"], "2026-12-31")

    http.put(f"{OVERRIDES}/2026-12-31", headers=staff["admin"].headers,
             json={"working": False, "note": "Local closure"})

    assert before["working"] is True
    assert day(http, staff["office"], "2026-12-31") == {
        "date": "2026-12-31", "working": False, "reason": "Local closure"}


def test_deleting_an_override_falls_back_to_the_weekend(http, staff):
    admin = staff["admin"]
    http.put(f"{OVERRIDES}/2026-08-29", headers=admin.headers,
             json={"working": True, "note": "Saturday opening for the land campaign"})
    assert day(http, staff["office"], "2026-08-29")["working"] is True

    response = http.delete(f"{OVERRIDES}/2026-08-29", headers=admin.headers)

    assert response.status_code == 204
    assert day(http, staff["office"], "2026-08-29") == {
        "date": "2026-08-29", "working": False, "reason": "weekend"}
    assert http.get(OVERRIDES, headers=admin.headers).json() == []


def test_deleting_the_22_august_override_falls_back_to_the_swap_in_calendar_json(http, staff):
    admin = staff["admin"]
    http.put(f"{OVERRIDES}/2026-08-22", headers=admin.headers,
             json={"working": False, "note": "Swap cancelled"})
    assert day(http, staff["office"], "2026-08-22")["reason"] == "Swap cancelled"

    response = http.delete(f"{OVERRIDES}/2026-08-22", headers=admin.headers)

    assert response.status_code == 204
    assert day(http, staff["office"], "2026-08-22")["working"] is True


def test_deleting_a_day_without_an_override_is_a_404_that_changes_nothing(http, staff, session):
    before = snapshot(session)

    response = http.delete(f"{OVERRIDES}/2026-12-31", headers=staff["admin"].headers)

    error = assert_refused(response, 404, "not_found")
    assert error["message"] == "Ngày 31/12/2026 không có điều chỉnh lịch làm việc."
    assert snapshot(session) == before


@pytest.mark.parametrize("person", ["office", "supervisor"])
def test_only_an_admin_changes_the_calendar_and_a_refusal_changes_nothing(
        http, staff, session, person):
    before = snapshot(session)

    response = http.put(f"{OVERRIDES}/2026-08-22", headers=staff[person].headers,
                        json={"working": False, "note": "Not my call"})

    assert_refused(response, 403, "not_permitted")
    assert snapshot(session) == before


def test_only_an_admin_deletes_an_override(http, staff, session):
    http.put(f"{OVERRIDES}/2026-12-31", headers=staff["admin"].headers,
             json={"working": False, "note": "Local closure"})
    before = snapshot(session)

    response = http.delete(f"{OVERRIDES}/2026-12-31", headers=staff["office"].headers)

    assert_refused(response, 403, "not_permitted")
    assert snapshot(session) == before


@pytest.mark.parametrize("when", ["2026-13-01", "2026-02-30", "22-08-2026", "20260822",
                                  "2026-W34-6", "tomorrow"])
def test_a_date_not_written_yyyy_mm_dd_is_a_422_that_changes_nothing(http, staff, session, when):
    before = snapshot(session)

    response = http.put(f"{OVERRIDES}/{when}", headers=staff["admin"].headers,
                        json={"working": True, "note": "Typo"})

    error = assert_refused(response, 422, "invalid_input")
    assert "YYYY-MM-DD" in error["message"]
    assert error["details"] == {"field": "date", "reason": "not_a_date", "text": when}
    assert snapshot(session) == before


def test_asking_about_a_badly_written_day_is_a_422(http, staff):
    response = http.get(f"{DAYS}/31-08-2026", headers=staff["office"].headers)

    assert_refused(response, 422, "invalid_input")


@pytest.mark.parametrize("body", [{"working": True}, {"working": True, "note": ""}])
def test_an_override_without_a_note_is_a_422_naming_the_note(http, staff, session, body):
    before = snapshot(session)

    response = http.put(f"{OVERRIDES}/2026-08-22", headers=staff["admin"].headers, json=body)

    error = assert_refused(response, 422, "invalid_request")
    assert [f["field"] for f in error["details"]["fields"]] == ["note"]
    assert snapshot(session) == before


def test_an_override_with_a_blank_note_is_a_422_that_changes_nothing(http, staff, session):
    before = snapshot(session)

    response = http.put(f"{OVERRIDES}/2026-08-22", headers=staff["admin"].headers,
                        json={"working": True, "note": "   "})

    error = assert_refused(response, 422, "invalid_input")
    assert error["details"] == {"field": "note", "reason": "note_required"}
    assert snapshot(session) == before


@pytest.mark.parametrize(("when", "reason"), [
    ("2026-03-07", "weekend"),
    ("2026-02-17", "Lunar New Year"),
    ("2026-04-27", "Hung Kings' Commemoration Day (observed)"),
    ("2026-08-31", "Day off (substituted from 08/22/2026)"),
])
def test_a_day_off_says_why(http, staff, when, reason):
    answer = day(http, staff["office"], when)

    assert answer == {"date": when, "working": False, "reason": reason}


def test_birth_registration_received_after_the_15_00_cut_off_is_due_the_next_evening(
        http, staff):
    # Monday 2 March 15:30 is after the cut-off: counting starts Tuesday 08:00 and the
    # same-day procedure is due when the office closes that day.
    response = http.get(DUE, headers=staff["reception"].headers,
                        params={"from": "2026-03-02T15:30+07:00", "procedure": BIRTH})

    assert response.status_code == 200, response.text
    assert response.json() == {"from": "2026-03-02T15:30:00+07:00",
                               "counting_start": "2026-03-03T08:00:00+07:00",
                               "due_at": "2026-03-03T17:00:00+07:00"}


@pytest.mark.parametrize("start", ["2026-03-02T15:30", "2026-03-02T08:30:00Z",
                                   "2026-03-02T15:30 07:00"])
def test_a_naive_utc_or_unencoded_plus_from_is_read_as_the_same_moment(http, staff, start):
    response = http.get(f"{DUE}?from={start}&procedure={BIRTH}",
                        headers=staff["reception"].headers)

    assert response.status_code == 200, response.text
    assert response.json()["from"] == "2026-03-02T15:30:00+07:00"
    assert response.json()["due_at"] == "2026-03-03T17:00:00+07:00"


def test_three_working_days_from_the_friday_before_tet_end_after_the_holiday(http, staff):
    # Fri 13 Feb 10:00-17:00 gives 6 hours; Tết (16-20 Feb) and the weekend are skipped;
    # Mon 23 and Tue 24 give 16; the last 2 hours end Wed 25 Feb at 10:00.
    response = http.get(DUE, headers=staff["office"].headers,
                        params={"from": "2026-02-13T10:00+07:00", "working_days": 3})

    assert response.status_code == 200, response.text
    assert response.json() == {"from": "2026-02-13T10:00:00+07:00",
                               "counting_start": "2026-02-13T10:00:00+07:00",
                               "due_at": "2026-02-25T10:00:00+07:00"}


def test_working_hours_skip_the_night(http, staff):
    # Monday 15:00-17:00 gives 2 hours; the other 2 end Tuesday at 10:00.
    response = http.get(DUE, headers=staff["office"].headers,
                        params={"from": "2026-03-02T15:00+07:00", "working_hours": 4})

    assert response.status_code == 200, response.text
    assert response.json()["due_at"] == "2026-03-03T10:00:00+07:00"


def test_a_count_given_with_a_procedure_starts_after_its_cut_off(http, staff):
    # After the 15:00 cut-off counting starts Tuesday 08:00; 2 working days of 8 hours
    # fill Tuesday and Wednesday, ending at Wednesday's closing.
    response = http.get(DUE, headers=staff["office"].headers, params={
        "from": "2026-03-02T15:30+07:00", "procedure": BIRTH, "working_days": 2})

    assert response.status_code == 200, response.text
    assert response.json()["counting_start"] == "2026-03-03T08:00:00+07:00"
    assert response.json()["due_at"] == "2026-03-04T17:00:00+07:00"


@pytest.mark.parametrize("params", [
    {"from": "2026-03-02T09:00+07:00"},
    {"from": "2026-03-02T09:00+07:00", "working_days": 1, "working_hours": 8},
])
def test_due_needs_exactly_one_count_and_names_both_fields(http, staff, params):
    response = http.get(DUE, headers=staff["office"].headers, params=params)

    error = assert_refused(response, 422, "invalid_request")
    assert {f["field"] for f in error["details"]["fields"]} == {"working_days", "working_hours"}


@pytest.mark.parametrize("params", [
    {"from": "next Monday", "working_days": 1},
    {"from": "2026-03-02T09:00+07:00", "working_days": -1},
    {"from": "2026-03-02T09:00+07:00", "working_days": 10**9},
])
def test_a_bad_from_or_count_is_a_422(http, staff, params):
    response = http.get(DUE, headers=staff["office"].headers, params=params)

    assert_refused(response, 422, "invalid_request")


def test_due_for_an_unknown_procedure_is_a_404(http, staff):
    response = http.get(DUE, headers=staff["office"].headers,
                        params={"from": "2026-03-02T09:00+07:00", "procedure": "9.999999"})

    error = assert_refused(response, 404, "procedure_not_found")
    assert "9.999999" in error["message"]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", OVERRIDES), ("PUT", f"{OVERRIDES}/2026-08-22"), ("DELETE", f"{OVERRIDES}/2026-08-22"),
    ("GET", f"{DAYS}/2026-08-22"), ("GET", f"{DUE}?working_days=1"),
])
def test_the_calendar_needs_a_token(http, session, method, path):
    before = snapshot(session)

    response = http.request(method, path, json={"working": True, "note": "x"}
                            if method == "PUT" else None)

    assert_refused(response, 401, "unauthenticated")
    assert snapshot(session) == before
