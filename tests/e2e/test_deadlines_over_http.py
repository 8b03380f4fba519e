"""Statutory deadlines over HTTP: appointments, step due times, the paused clock, verdicts, apology.

Every expected moment is counted by hand in office hours (08:00-12:00, 13:00-17:00,
Monday to Friday, Hà Nội time); March and early April 2026 have no public holiday.
"""

from datetime import datetime

import pytest
import time_machine

from engine.calendar import VIETNAM
from tests.conftest import snapshot
from tests.e2e.helpers import APPLICANT, BIRTH, REVIEW_APPROVE, do_step, open_step, received
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, SUPP, WORKER

HOUSEHOLD = PROCEDURE_CODES["business_household"]
LAND = PROCEDURE_CODES["first_land_registration"]
HOUSEHOLD_STEPS = dict(SCENARIOS["business_household"]["happy"])
LAND_STEPS = dict(SCENARIOS["first_land_registration"]["happy"])
SUPPLEMENT_PLEASE = SCENARIOS["business_household"]["supplement"][0][1]


def at(day: int, hour: int, minute: int = 0, *, month: int = 3) -> datetime:
    """Return a moment of 2026 in Hà Nội."""
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM)


def when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@pytest.fixture
def clock():
    """Stop the clock at Monday 2 March 2026, 09:00, for the test and its live server."""
    with time_machine.travel(at(2, 9), tick=False) as traveller:
        yield traveller


def dossier_of(http, staff, code: str) -> dict:
    response = http.get(f"/api/v1/dossiers/{code}", headers=staff["supervisor"].headers)
    assert response.status_code == 200, response.text
    return response.json()


def history(http, staff, code: str) -> list[dict]:
    response = http.get(f"/api/v1/dossiers/{code}/history", headers=staff["supervisor"].headers)
    assert response.status_code == 200, response.text
    return response.json()


def work(http, staff, code: str, step: str, form_data: dict) -> dict:
    """Have the right member of staff claim and complete the dossier's open step."""
    task = open_step(http, staff["supervisor"], code, step)
    person = staff[WORKER[(task["department"], task["required_role"])]]
    return do_step(http, person, task["id"], form_data)


def receive_household(http, staff) -> dict:
    return received(http, staff["reception"], procedure=HOUSEHOLD,
                    form_data=SCENARIOS["business_household"]["intake"])


def test_a_business_household_is_due_three_working_days_after_receipt(http, staff, clock):
    receipt = receive_household(http, staff)

    assert when(receipt["appointment_at"]) == at(5, 9)
    assert receipt["remaining_working_hours"] == 24
    assert receipt["overdue"] is False
    (review,) = receipt["open_steps"]
    assert review["step"] == "review"
    # 16 hours: Mon 09-12 and 13-17 (7), Tue (8), Wed 08-09 (1).
    assert when(review["due_at"]) == at(4, 9)
    assert review["remaining_working_hours"] == 16


def test_past_its_appointment_a_dossier_shows_overdue_and_negative_hours(http, staff, clock):
    code = receive_household(http, staff)["code"]
    clock.move_to(at(5, 10))

    dossier = dossier_of(http, staff, code)

    assert dossier["overdue"] is True
    assert dossier["remaining_working_hours"] == -1
    (review,) = dossier["open_steps"]
    assert review["overdue"] is True
    # Wed 09-12 and 13-17 (7), Thu 08-10 (2) past the review's due time.
    assert review["remaining_working_hours"] == -9


@pytest.mark.parametrize(("received_at", "appointment"), [
    (at(2, 14), at(2, 17)),
    (at(2, 15), at(2, 17)),
    (at(2, 15, 30), at(3, 17)),
    (at(6, 15, 30), at(9, 17)),  # a Friday after the cut-off: the next working day is Monday
], ids=["before_cutoff", "at_cutoff", "after_cutoff", "friday_after_cutoff"])
def test_birth_registration_is_due_the_same_day_unless_received_after_15h(
        http, staff, clock, received_at, appointment):
    clock.move_to(received_at)

    receipt = received(http, staff["reception"], procedure=BIRTH)

    assert when(receipt["appointment_at"]) == appointment


def test_a_supplement_pauses_the_clock_and_the_supplemented_dossier_restarts_from_zero(
        http, staff, clock):
    code = receive_household(http, staff)["code"]
    clock.move_to(at(3, 10))
    work(http, staff, code, "review", SUPPLEMENT_PLEASE)
    waiting = dossier_of(http, staff, code)
    clock.move_to(at(9, 10))

    work(http, staff, code, "request_supplement",
         {**SUPP, "missing_documents": SUPPLEMENT_PLEASE["missing_documents"]})

    assert waiting["status"] == 5
    assert waiting["clock_paused"] is True
    assert waiting["remaining_working_hours"] is None
    dossier = dossier_of(http, staff, code)
    assert dossier["status"] == 4
    assert dossier["clock_paused"] is False
    # Three full working days from Mon 9 Mar 10:00, not what was left before the pause.
    assert when(dossier["appointment_at"]) == at(12, 10)
    assert dossier["remaining_working_hours"] == 24
    (review,) = dossier["open_steps"]
    assert (review["step"], when(review["due_at"])) == ("review", at(11, 10))
    events = {e["action"]: e for e in history(http, staff, code)}
    # Paused Tue 10:00 with Tue 10-12, 13-17, Wed, Thu 08-09 left: 15 hours.
    assert events["deadline.paused"]["after"] == {"reason": "citizen", "remaining_hours": 15}
    restarted = events["deadline.restarted"]
    assert when(restarted["before"]["appointment_at"]) == at(5, 9)
    assert when(restarted["after"]["appointment_at"]) == at(12, 10)
    assert "deadline.resumed" not in events


def test_public_posting_pauses_the_clock_and_it_resumes_where_it_stopped(http, staff, clock):
    code = received(http, staff["reception"], procedure=LAND,
                    form_data=SCENARIOS["first_land_registration"]["intake"])["code"]
    work(http, staff, code, "receive", LAND_STEPS["receive"])
    clock.move_to(at(3, 10))
    work(http, staff, code, "review", LAND_STEPS["review"])
    posting = dossier_of(http, staff, code)
    clock.move_to(at(17, 15))

    work(http, staff, code, "public_posting", LAND_STEPS["public_posting"])

    # 20 working days from Mon 2 Mar 09:00: Mon 30 Mar 09:00.
    assert when(posting["appointment_at"]) == at(30, 9)
    assert posting["clock_paused"] is True
    dossier = dossier_of(http, staff, code)
    assert dossier["clock_paused"] is False
    assert [s["step"] for s in dossier["open_steps"]] == ["confirm"]
    # Posting ran Tue 3 Mar 10:00 to Tue 17 Mar 15:00: ten working days and four hours
    # (10-12, 13-15), so the appointment moves from Mon 30 Mar 09:00 by 84 working hours.
    assert when(dossier["appointment_at"]) == at(13, 14, month=4)
    # Mon 2 Mar 09:00 to Tue 3 Mar 10:00 used 9 of the 160 hours; 151 remain, as before.
    assert dossier["remaining_working_hours"] == 151
    events = {e["action"]: e for e in history(http, staff, code)}
    assert events["deadline.paused"]["after"] == {"reason": "not_counted",
                                                  "remaining_hours": 151}
    resumed = events["deadline.resumed"]
    assert when(resumed["before"]["appointment_at"]) == at(30, 9)
    assert when(resumed["after"]["appointment_at"]) == at(13, 14, month=4)
    assert "deadline.restarted" not in events


# The household review is due Wed 4 Mar 09:00.
@pytest.mark.parametrize(("completed_at", "verdict"), [
    (at(3, 10), "early"),
    (at(4, 8, 30), "on_time"),
    (at(4, 9), "on_time"),
    (at(4, 9, 30), "late"),
], ids=["day_before", "due_day_before_due_time", "at_due_time", "after_due_time"])
def test_a_completed_step_is_judged_against_its_due_time(http, staff, clock, completed_at,
                                                         verdict):
    code = receive_household(http, staff)["code"]
    clock.move_to(completed_at)

    done = work(http, staff, code, "review", HOUSEHOLD_STEPS["review"])

    assert done["outcome"] == verdict
    assert when(done["completed_at"]) == completed_at
    completed = [e for e in history(http, staff, code) if e["action"] == "task.completed"]
    assert completed[0]["after"]["outcome"] == verdict


# The household is due Thu 5 Mar 09:00; head approval opens return_result (status 9).
@pytest.mark.parametrize(("approved_at", "verdict"), [
    (at(4, 10), "early"),
    (at(5, 8, 30), "on_time"),
    (at(5, 10), "late"),
], ids=["day_before", "due_day_before_appointment", "after_appointment"])
def test_a_processed_dossier_is_judged_against_its_appointment(http, staff, clock,
                                                                approved_at, verdict):
    code = receive_household(http, staff)["code"]
    clock.move_to(at(2, 10))
    work(http, staff, code, "review", HOUSEHOLD_STEPS["review"])
    clock.move_to(approved_at)

    work(http, staff, code, "head_approval", HOUSEHOLD_STEPS["head_approval"])

    dossier = dossier_of(http, staff, code)
    assert dossier["status"] == 9
    assert dossier["outcome"] == verdict
    assert when(dossier["processed_at"]) == approved_at
    assert [s["step"] for s in dossier["open_steps"]] == ["return_result"]
    # Once processed the clock is stopped: never overdue, whatever the hour.
    assert dossier["overdue"] is False
    assert dossier["remaining_working_hours"] is None
    stopped = [e for e in history(http, staff, code) if e["action"] == "deadline.stopped"]
    assert [e["after"]["outcome"] for e in stopped] == [verdict]


def test_the_inbox_lists_the_step_due_soonest_first(http, staff, clock):
    land = received(http, staff["reception"], procedure=LAND,
                    form_data=SCENARIOS["first_land_registration"]["intake"])["code"]
    birth = received(http, staff["reception"], procedure=BIRTH)["code"]
    clock.move_to(at(2, 9, 30))
    work(http, staff, birth, "review", REVIEW_APPROVE)
    clock.move_to(at(2, 10))
    work(http, staff, birth, "sign", {"signer_position": "chairman"})

    inbox = http.get("/api/v1/tasks", headers=staff["reception"].headers)

    assert inbox.status_code == 200, inbox.text
    rows = [(t["dossier_code"], t["step"], when(t["due_at"]), t["remaining_working_hours"])
            for t in inbox.json()]
    # The birth's return_result opened last (10:00, 2 h) but is due before the land
    # dossier's receive step, opened at 09:00 with 4 h (09-12, 13-14): 3 h left at 10:00.
    assert rows == [(birth, "return_result", at(2, 12), 2),
                    (land, "receive", at(2, 14), 3)]


LETTER = {
    "reason": "Cần xác minh thêm thông tin về nơi sinh với Trạm y tế xã.",
    "apology": "Ủy ban nhân dân xã xin lỗi ông/bà vì sự chậm trễ này.",
    "signed_by": "Lê Văn Trưởng, Chánh Văn phòng",
    "new_appointment_at": at(3, 17).isoformat(),
}


@pytest.fixture
def birth_due_tonight(http, staff, clock) -> str:
    """A birth registration received Mon 09:00, due Mon 17:00; the clock moved to 10:00."""
    code = received(http, staff["reception"], procedure=BIRTH)["code"]
    clock.move_to(at(2, 10))
    return code


def apologise(http, person, code: str, **changes):
    return http.post(f"/api/v1/dossiers/{code}/apology", json={**LETTER, **changes},
                     headers=person.headers)


def test_the_head_apologises_and_the_dossier_gets_its_new_appointment(
        http, staff, app, birth_due_tonight):
    code = birth_due_tonight

    response = apologise(http, staff["office_head"], code)

    assert response.status_code == 201, response.text
    letter = response.json()
    assert letter["agency_code"] == app.extensions["motcua"].agency_code
    assert (letter["dossier_code"], letter["procedure_code"]) == (code, BIRTH)
    assert letter["citizen_id_number"] == APPLICANT["id_number"]
    assert letter["citizen_full_name"] == APPLICANT["full_name"]
    assert when(letter["original_appointment_at"]) == at(2, 17)
    assert when(letter["new_appointment_at"]) == at(3, 17)
    assert (letter["reason"], letter["apology"], letter["signed_by"]) == (
        LETTER["reason"], LETTER["apology"], LETTER["signed_by"])
    assert when(letter["recorded_at"]) == at(2, 10)
    assert when(dossier_of(http, staff, code)["appointment_at"]) == at(3, 17)
    shown = http.get(f"/api/v1/dossiers/{code}/apology", headers=staff["office"].headers)
    assert shown.status_code == 200
    assert shown.json() == letter


def test_a_second_apology_is_refused_and_changes_nothing(http, staff, session,
                                                         birth_due_tonight):
    code = birth_due_tonight
    assert apologise(http, staff["office_head"], code).status_code == 201
    before = snapshot(session)

    response = apologise(http, staff["office_head"], code,
                         new_appointment_at=at(4, 17).isoformat())

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "deadline_extension_used"
    assert snapshot(session) == before
    assert when(dossier_of(http, staff, code)["appointment_at"]) == at(3, 17)


def test_an_officer_cannot_apologise_and_nothing_changes(http, staff, session,
                                                         birth_due_tonight):
    before = snapshot(session)

    response = apologise(http, staff["office"], birth_due_tonight)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_permitted"
    assert snapshot(session) == before


@pytest.mark.parametrize("new_appointment", [at(2, 16), at(2, 17)],
                         ids=["before_the_current", "equal_to_the_current"])
def test_a_new_appointment_must_come_after_the_current_one(http, staff, session,
                                                           birth_due_tonight, new_appointment):
    before = snapshot(session)

    response = apologise(http, staff["office_head"], birth_due_tonight,
                         new_appointment_at=new_appointment.isoformat())

    assert response.status_code == 422
    assert snapshot(session) == before
    missing = http.get(f"/api/v1/dossiers/{birth_due_tonight}/apology",
                       headers=staff["office_head"].headers)
    assert missing.status_code == 404


def test_the_head_of_a_department_not_working_on_the_dossier_cannot_see_it_to_apologise(
        http, staff, session, birth_due_tonight):
    before = snapshot(session)

    response = apologise(http, staff["economic_head"], birth_due_tonight)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "dossier_not_found"
    assert snapshot(session) == before


@pytest.mark.parametrize("person", ["reception", "supervisor"])
def test_staff_who_see_the_dossier_but_head_no_department_on_it_cannot_apologise(
        http, staff, session, birth_due_tonight, person):
    before = snapshot(session)

    response = apologise(http, staff[person], birth_due_tonight)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_permitted"
    assert snapshot(session) == before


def test_a_leader_apologises_for_any_dossier(http, staff, birth_due_tonight):
    response = apologise(http, staff["leader"], birth_due_tonight)

    assert response.status_code == 201, response.text
    assert when(response.json()["new_appointment_at"]) == at(3, 17)


@pytest.mark.parametrize("new_appointment, reason, names", [
    (at(8, 10, month=9), "appointment_too_late", "03/03/2026 17:00"),
    (at(3, 17, 1), "appointment_not_working_time", "08:00-12:00, 13:00-17:00"),
    (at(3, 12, 30), "appointment_not_working_time", "08:00-12:00, 13:00-17:00"),
    (at(7, 10), "appointment_not_working_time", "08:00-12:00, 13:00-17:00"),
], ids=["six_months_away", "after_closing", "at_lunch", "on_saturday"])
def test_a_new_appointment_is_a_working_time_within_the_statutory_deadline_again(
        http, staff, session, birth_due_tonight, new_appointment, reason, names):
    before = snapshot(session)

    response = apologise(http, staff["office_head"], birth_due_tonight,
                         new_appointment_at=new_appointment.isoformat())

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["details"]["field"], error["details"]["reason"]) == ("new_appointment_at",
                                                                       reason)
    assert names in error["message"]  # local time, as the head reads it
    assert snapshot(session) == before
