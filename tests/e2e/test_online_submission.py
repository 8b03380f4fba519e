"""Online submission over HTTP: a citizen submits, reception accepts, asks to complete or refuses.

Times are Hà Nội's; office hours 08:00–12:00 and 13:00–17:00 (workflows/calendar.json).
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine
from sqlalchemy import select

from api import create_app
from api.extensions import db
from engine.models import Dossier, DossierStatusChange, Notification
from tests.conftest import SECRET_KEY, snapshot
from tests.e2e.helpers import APPLICANT, BIRTH, BIRTH_INTAKE, REVIEW_APPROVE, do_step, open_step
from tests.e2e.staff_app import data_rows, name_staff, post_form, sign_in
from tests.e2e.test_citizen_lookup import look_up
from tests.scenarios import SCENARIOS

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
HOUSEHOLD = "MC.HKD.001"  # 3 working days, no cut-off of its own
HOUSEHOLD_INTAKE = SCENARIOS["business_household"]["intake"]
NOT_ONLINE = "MC.CTTT.001"  # ending substitute care: counter only
SUBMIT = "/api/v1/public/dossiers"
QUEUE = "/api/v1/online-submissions"
QUEUE_PAGE = "/ho-so-truc-tuyen"


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """Return a moment of 2026 in Hà Nội."""
    return datetime(2026, month, day, hour, minute, tzinfo=VIETNAM)


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def submit(http, procedure=BIRTH, form_data=None, applicant=None):
    return http.post(SUBMIT, json={
        "procedure_code": procedure, "applicant": applicant or APPLICANT,
        "form_data": BIRTH_INTAKE if form_data is None else form_data})


def submitted(http, **kwargs) -> dict:
    response = submit(http, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def lookup(http, dossier: dict) -> dict:
    response = http.get(f"{SUBMIT}/{dossier['code']}", headers={"X-Dossier-PIN": dossier["pin"]})
    assert response.status_code == 200, response.text
    return response.json()


def answer(http, person, code: str, action: str, body: dict | None = None):
    return http.post(f"{QUEUE}/{code}/{action}", json=body, headers=person.headers)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


def statuses(session, code: str) -> list[int]:
    """Return the statuses the dossier went through, in order."""
    session.expire_all()
    return list(session.scalars(select(DossierStatusChange.to_status).join(Dossier)
                                .where(Dossier.code == code).order_by(DossierStatusChange.id)))


def unchanged(session) -> dict:
    """The rows a refused form leaves alone: the page shown again records its reads, rightly."""
    return {name: rows for name, rows in data_rows(session).items()
            if name != "personal_data_reads"}


def citizen_notifications(session, code: str) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.scalars(select(Notification).where(Notification.dossier_code == code,
                                                      Notification.recipient_id.is_(None))
                           .order_by(Notification.id))
    return [(row.kind, row.contact) for row in rows]


@pytest.fixture
def clock():
    """Monday 2 March 2026, 09:00 in Hà Nội, for the test and its live server."""
    with time_machine.travel(at(3, 2, 9), tick=False) as traveller:
        yield traveller


def test_a_submission_waits_for_reception_then_is_accepted_and_its_first_step_done(
        http, staff, session, clock):
    dossier = submitted(http)

    assert (dossier["status"], dossier["channel"]) == (1, 2)
    assert len(dossier["pin"]) == 6 and dossier["code"]
    # 8 working hours from Monday 09:00: 7 on Monday, 1 on Tuesday.
    assert when(dossier["verify_by"]) == at(3, 3, 9)
    waiting = ok(http.get(QUEUE, headers=staff["reception"].headers))
    assert [(w["code"], w["applicant_name"]) for w in waiting] == [
        (dossier["code"], APPLICANT["full_name"])]
    seen = lookup(http, dossier)
    assert (seen["status"], seen["appointment_at"]) == (1, None)
    assert seen["status_label_vi"] == "Mới đăng ký"

    clock.move_to(at(3, 2, 10))
    accepted = ok(answer(http, staff["reception"], dossier["code"], "accept"))

    # Accepted (2), then processing (4) as the first step opens, as at the counter.
    assert (accepted["status"], accepted["channel"]) == (4, 2)
    assert statuses(session, dossier["code"]) == [1, 2, 4]
    # Birth registration is due the same working day, counted from the submission.
    assert when(accepted["appointment_at"]) == at(3, 2, 17)
    assert ok(http.get(QUEUE, headers=staff["reception"].headers)) == []
    assert citizen_notifications(session, dossier["code"]) == [
        ("submission.accepted", APPLICANT["phone"])]
    outbox = ok(http.get("/api/v1/notifications", params={"everyone": "true"},
                         headers=staff["supervisor"].headers))
    assert [(n["kind"], n["recipient_id"], n["contact"]) for n in outbox] == [
        ("submission.accepted", None, APPLICANT["phone"])]
    step = open_step(http, staff["office"], dossier["code"], "review")
    assert do_step(http, staff["office"], step["id"], REVIEW_APPROVE)["state"] == "completed"
    listed = ok(http.get("/api/v1/dossiers", params={"channel": 2},
                         headers=staff["supervisor"].headers))
    assert [d["code"] for d in listed["items"]] == [dossier["code"]]
    progress = ok(http.get("/api/v1/reports/progress",
                           params={"from": "2026-03-01", "to": "2026-03-31"},
                           headers=staff["supervisor"].headers))
    total = progress["rows"][-1]
    assert (total["received_online"], total["online_share"]) == (1, 1.0)


def test_a_refusal_gives_the_citizen_its_reason_and_ends_the_submission(
        http, staff, session, clock):
    dossier = submitted(http, applicant={**APPLICANT, "email": "binh@example.vn"})
    reason = "Trẻ đã được đăng ký khai sinh tại xã khác."

    body = ok(answer(http, staff["reception"], dossier["code"], "refuse", {"reason": reason}))
    seen = lookup(http, dossier)

    assert body["status"] == 3
    assert (seen["status"], seen["refusal_reason"]) == (3, reason)
    assert citizen_notifications(session, dossier["code"]) == [
        ("submission.refused", "binh@example.vn")]
    page = look_up(http, dossier["code"], dossier["pin"])
    assert "Không được tiếp nhận" in page.text
    assert f'data-testid="refusal-reason">{reason}<' in page.text
    before = snapshot(session)
    again = answer(http, staff["reception"], dossier["code"], "accept")
    refused(again, 409, "submission_not_waiting")
    assert snapshot(session) == before


def test_asked_to_complete_the_citizen_resubmits_with_code_and_pin_and_is_accepted(
        http, staff, session, clock):
    dossier = submitted(http)
    missing = ["Ngày sinh của trẻ ghi sai; hãy sửa theo Giấy chứng sinh."]

    asked = ok(answer(http, staff["reception"], dossier["code"], "ask-to-complete",
                      {"missing": missing}))
    seen = lookup(http, dossier)

    assert asked["status"] == 5
    assert (seen["status"], seen["missing_documents"]) == (5, missing)
    page = look_up(http, dossier["code"], dossier["pin"])
    assert f"<li>{missing[0]}</li>" in page.text
    assert ok(http.get(QUEUE, headers=staff["reception"].headers)) == []
    completion = f"{SUBMIT}/{dossier['code']}/completion"
    corrected = {**BIRTH_INTAKE, "child_date_of_birth": "2026-02-21"}
    before = snapshot(session)
    refused(http.post(completion, json={"pin": f"{(int(dossier['pin']) + 1) % 10**6:06d}",
                                        "form_data": corrected}), 404, "dossier_not_found")
    refused(http.post(completion, json={"pin": dossier["pin"], "form_data": {}}),
            422, "invalid_form_data")
    assert snapshot(session) == before

    clock.move_to(at(3, 3, 14))
    back = ok(http.post(completion, json={"pin": dossier["pin"], "form_data": corrected}))

    assert (back["status"], back["missing_documents"]) == (1, [])
    waiting = ok(http.get(QUEUE, headers=staff["reception"].headers))
    # Verification counts again from Tuesday 14:00: 3 hours on Tuesday, 5 on Wednesday.
    assert [(w["code"], when(w["verify_by"])) for w in waiting] == [
        (dossier["code"], at(3, 4, 14))]
    assert waiting[0]["form_data"]["child_date_of_birth"] == "2026-02-21"
    accepted = ok(answer(http, staff["reception"], dossier["code"], "accept"))
    assert statuses(session, dossier["code"]) == [1, 5, 1, 2, 4]
    assert when(accepted["appointment_at"]) == at(3, 3, 17)
    refused(http.post(completion, json={"pin": dossier["pin"], "form_data": corrected}),
            409, "submission_not_waiting")
    assert [kind for kind, _ in citizen_notifications(session, dossier["code"])] == [
        "submission.incomplete", "submission.accepted"]


@pytest.mark.parametrize(("submitted_at", "verify_by", "appointment_at"), [
    # Monday 16:59, before the online cut-off: 1 minute on Monday, then 23 h 59 min.
    (at(3, 2, 16, 59), at(3, 3, 16, 59), at(3, 5, 16, 59)),
    # Monday 17:01, after it: from Tuesday 08:00, three full working days.
    (at(3, 2, 17, 1), at(3, 3, 17), at(3, 5, 17)),
    # Saturday: from Monday 9 March 08:00.
    (at(3, 7, 10), at(3, 9, 17), at(3, 11, 17)),
], ids=["weekday-16:59", "weekday-17:01", "saturday"])
def test_the_deadline_counts_from_the_submission_with_the_online_cut_off(
        http, staff, submitted_at, verify_by, appointment_at):
    with time_machine.travel(submitted_at, tick=False) as clock:
        dossier = submitted(http, procedure=HOUSEHOLD, form_data=HOUSEHOLD_INTAKE)
        clock.move_to(at(3, 9, 9) if submitted_at.weekday() == 5 else at(3, 3, 9))
        accepted = ok(answer(http, staff["reception"], dossier["code"], "accept"))

    assert when(dossier["verify_by"]) == verify_by
    assert when(accepted["appointment_at"]) == appointment_at
    assert [s["step"] for s in accepted["open_steps"]] == ["review"]


def test_bad_submissions_are_refused_field_by_field_and_store_nothing(http, session, clock):
    before = snapshot(session)
    no_contact = {"full_name": APPLICANT["full_name"], "id_number": APPLICANT["id_number"]}

    unknown = submit(http, procedure="9.999999")
    not_online = submit(http, procedure=NOT_ONLINE, form_data={})
    bad_form = submit(http, form_data={**BIRTH_INTAKE, "child_sex": "robot"})
    bad_id = submit(http, applicant={**APPLICANT, "id_number": "12"})
    anonymous = submit(http, applicant=no_contact)
    too_big = http.post(SUBMIT, content=b'{"x": "' + b"a" * 40_000 + b'"}',
                        headers={"Content-Type": "application/json"})

    refused(unknown, 404, "procedure_not_found")
    error = refused(not_online, 422, "invalid_input")
    assert error["details"]["reason"] == "procedure_not_online"
    assert "chưa tiếp nhận hồ sơ trực tuyến" in error["message"]
    error = refused(bad_form, 422, "invalid_form_data")
    assert [f["field"] for f in error["details"]["fields"]] == ["child_sex"]
    refused(bad_id, 422, "invalid_request")
    assert refused(anonymous, 422, "invalid_input")["details"]["reason"] == "contact_required"
    error = refused(too_big, 413, "body_too_large")
    assert error["details"]["max_bytes"] == 32 * 1024
    assert "tối đa 32768 byte" in error["message"]
    assert snapshot(session) == before


def test_only_reception_verifies_submissions(http, staff, session, clock):
    dossier = submitted(http)
    before = snapshot(session)

    refused(http.get(QUEUE, headers=staff["office"].headers), 403, "not_permitted")
    refused(answer(http, staff["office"], dossier["code"], "accept"), 403, "not_permitted")
    refused(answer(http, staff["reception"], "UNKNOWN-1", "accept"), 404, "dossier_not_found")
    refused(answer(http, staff["reception"], dossier["code"], "refuse", {"reason": ""}),
            422, "invalid_request")
    refused(http.get(QUEUE), 401, "unauthenticated")
    assert snapshot(session) == before


def test_a_client_submitting_too_often_is_refused_with_the_limit(database, app, session, clock):
    host = create_app({"SQLALCHEMY_DATABASE_URI": database, "MOTCUA_SECRET_KEY": SECRET_KEY,
                       "MOTCUA_SUBMISSION_LIMIT_PER_CLIENT": 2})
    client = host.test_client()
    body = {"procedure_code": BIRTH, "applicant": APPLICANT, "form_data": BIRTH_INTAKE}
    try:
        first, second = (client.post(SUBMIT, json=body) for _ in range(2))
        assert (first.status_code, second.status_code) == (201, 201)
        before = snapshot(session)
        third = client.post(SUBMIT, json=body)
    finally:
        with host.app_context():
            db.engine.dispose()

    assert third.status_code == 429, third.text
    error = third.get_json()["error"]
    assert (error["code"], error["details"]["reason"]) == ("too_many_requests", "submissions")
    assert "tối đa 2 hồ sơ trong 3600 giây" in error["message"]
    # Monday 09:00 in Hà Nội is 02:00 UTC, the start of an hour-long window.
    assert int(third.headers["Retry-After"]) == 3600
    assert snapshot(session) == before


def test_the_staff_page_lists_the_waiting_oldest_first_and_answers_them(
        http, live_server, staff, session, clock):
    name_staff(session, staff, {"reception": "Đỗ Thị Hoa", "office": "Trần Văn An"})
    first = submitted(http)
    clock.move_to(at(3, 2, 16))
    second = submitted(http, procedure=HOUSEHOLD, form_data=HOUSEHOLD_INTAKE)
    clock.move_to(at(3, 3, 10))  # the first is overdue (Tuesday 09:00), the second is not
    sign_in(http, "reception")

    page = http.get(QUEUE_PAGE)

    assert page.status_code == 200, page.text
    assert re.findall(r'data-testid="online-([^"]+)" aria', page.text) == [
        first["code"], second["code"]]
    assert "03/03/2026 09:00 · quá hạn" in page.text
    assert "03/03/2026 16:00" in page.text  # the second: 1 h Monday, 7 h Tuesday
    assert "Nguyễn Minh Khôi" in page.text  # the intake, readable
    before = unchanged(session)
    empty = post_form(http, QUEUE_PAGE, f"{QUEUE_PAGE}/{first['code']}/tu-choi", {"reason": " "})
    assert empty.status_code == 422 and 'data-testid="online-error"' in empty.text
    assert unchanged(session) == before

    accepted = post_form(http, QUEUE_PAGE, f"{QUEUE_PAGE}/{first['code']}/tiep-nhan", {})
    asked = post_form(http, QUEUE_PAGE, f"{QUEUE_PAGE}/{second['code']}/yeu-cau-bo-sung",
                      {"missing": "Giấy đề nghị đăng ký hộ kinh doanh\n\nBản sao hợp đồng thuê"})
    again = post_form(http, QUEUE_PAGE, f"{QUEUE_PAGE}/{first['code']}/tiep-nhan", {})

    assert accepted.status_code == 200 and f"Đã tiếp nhận hồ sơ {first['code']}" in accepted.text
    assert lookup(http, first)["status"] == 4
    assert asked.status_code == 200 and 'data-testid="online-none"' in asked.text
    assert lookup(http, second)["missing_documents"] == [
        "Giấy đề nghị đăng ký hộ kinh doanh", "Bản sao hợp đồng thuê"]
    assert again.status_code == 409 and "đã được trả lời trước đó" in again.text
    with httpx.Client(base_url=live_server) as officer:
        sign_in(officer, "office")
        assert officer.get(QUEUE_PAGE).status_code == 403
