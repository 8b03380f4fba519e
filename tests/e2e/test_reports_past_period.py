"""A past period's progress, read later: each dossier is judged as it stood at the period's end.

The dossiers are received and worked over HTTP on a stopped clock, so the engine writes
their status and clock histories itself; the report of Monday 2 to Friday 6 March 2026 is
read on Wednesday 11 March, after every one of them changed again. Office hours 08:00-12:00
and 13:00-17:00; March 2026 has no public holiday.
"""

from datetime import datetime

import pytest
import time_machine
from sqlalchemy import select

from engine.calendar import VIETNAM
from engine.models import Dossier, DossierClockChange
from tests.e2e.helpers import do_step, open_step, received
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, SUPP, WORKER

HOUSEHOLD = PROCEDURE_CODES["business_household"]
HOUSEHOLD_STEPS = SCENARIOS["business_household"]["happy"]
SUPPLEMENT_PLEASE = SCENARIOS["business_household"]["supplement"][0][1]
FIRST_WEEK = {"from": "2026-03-02", "to": "2026-03-06"}
LETTER = {
    "reason": "Cần xác minh thêm thông tin về nơi sinh với Trạm y tế xã.",
    "apology": "Ủy ban nhân dân xã xin lỗi ông/bà vì sự chậm trễ này.",
    "signed_by": "Lê Văn Trưởng, Chánh Văn phòng",
}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Return a moment of March 2026 in Hà Nội."""
    return datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM)


@pytest.fixture
def clock():
    """Stop the clock at Monday 2 March 2026, 09:00, for the test and its live server."""
    with time_machine.travel(at(2, 9), tick=False) as traveller:
        yield traveller


def work(http, staff, code: str, step: str, form_data: dict) -> None:
    """Have the right member of staff claim and complete the dossier's open step."""
    task = open_step(http, staff["supervisor"], code, step)
    do_step(http, staff[WORKER[(task["department"], task["required_role"])]], task["id"],
            form_data)


def receive_household(http, staff) -> str:
    return received(http, staff["reception"], procedure=HOUSEHOLD,
                    form_data=SCENARIOS["business_household"]["intake"])["code"]


@pytest.fixture
def first_week(http, staff, clock):
    """Five dossiers of the first week of March, each changed again after it."""
    # Mon 2 Mar 09:00, three working days: due Thu 5 Mar 09:00. Open at the end, overdue;
    # finished late on Tue 10 Mar.
    finished_late = receive_household(http, staff)
    # Mon 2 Mar 09:00, due Thu 5 Mar 09:00, overdue at the end. On Mon 9 Mar the review asks
    # for a supplement; it comes back Tue 10 Mar 10:00 and the clock restarts from zero:
    # due Fri 13 Mar 10:00, which is after the end. It was overdue all the same.
    restarted = receive_household(http, staff)
    # Mon 2 Mar 09:00, worked through on Tue 3 Mar: processed before Thu 5 Mar, early.
    early = receive_household(http, staff)
    clock.move_to(at(3, 10))
    for step, form_data in HOUSEHOLD_STEPS:
        work(http, staff, early, step, form_data)
    # Birth Fri 6 Mar 09:00, due the same day 17:00: overdue at the end. On Mon 9 Mar the
    # head apologises with a new appointment, Mon 9 Mar 17:00 (after the end).
    clock.move_to(at(6, 9))
    apologised = received(http, staff["reception"])["code"]
    # Birth Fri 6 Mar 16:00, after the 15:00 cut-off: due Mon 9 Mar 17:00, within its
    # deadline at the end.
    clock.move_to(at(6, 16))
    within = received(http, staff["reception"])["code"]

    clock.move_to(at(9, 9))
    apology = http.post(f"/api/v1/dossiers/{apologised}/apology",
                        json={**LETTER, "new_appointment_at": at(9, 17).isoformat()},
                        headers=staff["office_head"].headers)
    assert apology.status_code == 201, apology.text
    clock.move_to(at(9, 10))
    work(http, staff, restarted, "review", SUPPLEMENT_PLEASE)
    clock.move_to(at(10, 10))
    work(http, staff, restarted, "request_supplement",
         {**SUPP, "missing_documents": SUPPLEMENT_PLEASE["missing_documents"]})
    for step, form_data in HOUSEHOLD_STEPS:
        work(http, staff, finished_late, step, form_data)
    clock.move_to(at(11, 9))
    return {"finished_late": finished_late, "restarted": restarted, "early": early,
            "apologised": apologised, "within": within}


def dossier(http, staff, code: str) -> dict:
    response = http.get(f"/api/v1/dossiers/{code}", headers=staff["supervisor"].headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_dossiers_changed_after_the_period_as_the_story_says(http, staff, first_week):
    now = {name: dossier(http, staff, code) for name, code in first_week.items()}

    assert datetime.fromisoformat(now["restarted"]["appointment_at"]) == at(13, 10)
    assert datetime.fromisoformat(now["apologised"]["appointment_at"]) == at(9, 17)
    assert datetime.fromisoformat(now["within"]["appointment_at"]) == at(9, 17)
    assert now["finished_late"]["status"] == 10
    assert now["early"]["status"] == 10
    assert [now[name]["status"] for name in ("restarted", "apologised", "within")] == [4, 4, 4]


def test_each_clock_change_is_a_row_from_receipt_to_processing(session, first_week):
    def clock(code: str) -> list[tuple]:
        return [(change.at, change.appointment_at, change.running) for change in session.scalars(
            select(DossierClockChange).join(Dossier).where(Dossier.code == code)
            .order_by(DossierClockChange.id))]

    # Received; paused by the supplement request; restarted from zero when it came back.
    assert clock(first_week["restarted"]) == [(at(2, 9), at(5, 9), True),
                                              (at(9, 10), at(5, 9), False),
                                              (at(10, 10), at(13, 10), True)]
    # Received; Form 04's new appointment.
    assert clock(first_week["apologised"]) == [(at(6, 9), at(6, 17), True),
                                               (at(9, 9), at(9, 17), True)]


def test_a_past_week_counts_overdue_what_was_overdue_at_its_end(http, staff, first_week):
    response = http.get("/api/v1/reports/progress", params=FIRST_WEEK,
                        headers=staff["supervisor"].headers)

    assert response.status_code == 200, response.text
    total = response.json()["rows"][-1]
    # By hand, at Sat 7 Mar 00:00: finished_late (due Thu 09:00), restarted (due Thu 09:00,
    # its supplement came later) and apologised (due Fri 17:00, its new appointment came
    # later) were open and past their appointment; within was due Mon 9 Mar; early was
    # processed on Tue 3 Mar.
    assert (total["received_new"], total["completed"], total["completed_early"],
            total["in_progress_overdue"], total["in_progress_within_deadline"],
            total["paused"]) == (5, 1, 1, 3, 1, 0)


def test_the_headline_of_a_past_week_gives_the_same_overdue_count(http, staff, first_week):
    response = http.get("/api/v1/reports/summary", params=FIRST_WEEK,
                        headers=staff["supervisor"].headers)

    assert response.status_code == 200, response.text
    figures = response.json()
    assert (figures["early_or_on_time"], figures["in_progress_within_deadline"],
            figures["overdue"]) == (1, 1, 3)


def test_a_dossier_finished_late_after_the_period_was_overdue_and_open_at_its_end(
        http, staff, first_week):
    weeks = [http.get("/api/v1/reports/progress", params=period,
                      headers=staff["supervisor"].headers) for period in
             (FIRST_WEEK, {"from": "2026-03-09", "to": "2026-03-13"})]

    assert [week.status_code for week in weeks] == [200, 200]
    first, second = ({row["key"]: row for row in week.json()["rows"]}[HOUSEHOLD]
                     for week in weeks)
    # The first week: finished_late and restarted open and overdue, early completed.
    assert (first["received_new"], first["completed"], first["in_progress_overdue"],
            first["in_progress_within_deadline"]) == (3, 1, 2, 0)
    # The second week carries both over and completes finished_late, late; restarted runs
    # on its new appointment, Fri 13 Mar 10:00, not yet overdue on Wed 11 Mar.
    assert (second["received_carried_over"], second["completed"], second["completed_late"],
            second["in_progress_overdue"], second["in_progress_within_deadline"]) == (
        2, 1, 1, 0, 1)
