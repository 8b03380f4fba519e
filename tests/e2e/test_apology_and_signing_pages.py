"""Heads write Form 04 in the staff app and leaders sign from their queue, over real HTTP.

Every moment is Hà Nội time in March 2026 (no public holiday); a birth registration received
Monday 09:00 is due the same day at 17:00, and may be given a new appointment until Tuesday
17:00 (its deadline once more, counted from the first appointment).
"""

import re
from datetime import datetime

import pytest
import time_machine

from tests.conftest import snapshot
from tests.e2e.heads_and_leaders import LETTER, NAMES, at, named
from tests.e2e.helpers import APPLICANT, REVIEW_APPROVE, do_step, open_step, received
from tests.e2e.staff_app import csrf_token, post_form, sign_in


@pytest.fixture
def clock():
    """Stop the clock at Monday 2 March 2026, 09:00, for the test and its live server."""
    with time_machine.travel(at(2, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(staff, session):
    """Staff with names and passwords for the app."""
    return named(staff, session)


@pytest.fixture
def overdue_birth(http, people, clock) -> str:
    """A birth registration received Monday 09:00, still unreviewed on Tuesday at 09:00."""
    code = received(http, people["reception"])["code"]
    clock.move_to(at(3, 9))
    return code


def stored(session) -> dict:
    """Every table but sessions and reads of personal data, which viewing a page adds to."""
    return {name: rows for name, rows in snapshot(session).items()
            if name not in ("web_sessions", "personal_data_reads")}


def appointment(http, people, code: str) -> datetime:
    dossier = http.get(f"/api/v1/dossiers/{code}", headers=people["supervisor"].headers).json()
    return datetime.fromisoformat(dossier["appointment_at"])


def write_letter(http, code: str, **changes):
    page = f"/ho-so/{code}/xin-loi"
    return post_form(http, page, page, {**LETTER, **changes})


def test_a_head_writes_form_04_and_reads_the_letter_in_its_shape(http, people, overdue_birth):
    code = overdue_birth
    sign_in(http, "office_head")

    form = http.get(f"/ho-so/{code}/xin-loi")
    recorded = write_letter(http, code)
    letter = http.get(recorded.headers["location"])

    assert form.status_code == 200
    assert 'data-testid="apology-form"' in form.text
    assert "Chậm nhất: 03/03/2026 17:00." in form.text
    assert recorded.status_code == 302
    assert recorded.headers["location"] == f"/ho-so/{code}/xin-loi?xong=1"
    assert letter.status_code == 200
    assert 'data-testid="apology-recorded"' in letter.text
    assert 'data-testid="apology-form"' not in letter.text
    for shown in ("Phiếu xin lỗi và hẹn lại ngày trả kết quả", "Văn phòng Hội đồng nhân dân",
                  APPLICANT["full_name"], APPLICANT["id_number"], code, "Đăng ký khai sinh",
                  "1.001193", LETTER["reason"], LETTER["apology"], LETTER["signed_by"]):
        assert shown.lower() in letter.text.lower(), shown
    assert re.search(r'data-testid="letter-original">02/03/2026 17:00<', letter.text)
    assert re.search(r'data-testid="letter-new">03/03/2026 16:30<', letter.text)
    assert 'data-testid="print"' in letter.text
    assert "letter.css" in letter.text
    assert appointment(http, people, code) == at(3, 16, 30)


@pytest.mark.parametrize("person", ["leader", "admin"])
def test_a_leader_or_an_admin_writes_form_04_too(http, people, overdue_birth, person):
    sign_in(http, person)

    recorded = write_letter(http, overdue_birth, signed_by=NAMES[person])

    assert recorded.status_code == 302
    assert appointment(http, people, overdue_birth) == at(3, 16, 30)


@pytest.mark.parametrize("person", ["office", "reception", "supervisor"])
def test_staff_who_may_not_give_form_04_are_refused_with_a_page_and_nothing_changes(
        http, people, session, overdue_birth, person):
    sign_in(http, person)
    before = stored(session)

    form = http.get(f"/ho-so/{overdue_birth}/xin-loi")
    posted = post_form(http, "/", f"/ho-so/{overdue_birth}/xin-loi", LETTER)

    assert form.status_code == 403
    assert 'data-testid="page-refused"' in form.text
    assert posted.status_code == 403
    assert stored(session) == before


def test_the_head_of_a_department_not_on_the_dossier_does_not_find_it(
        http, people, session, overdue_birth):
    sign_in(http, "economic_head")
    before = stored(session)

    posted = post_form(http, "/", f"/ho-so/{overdue_birth}/xin-loi", LETTER)

    assert posted.status_code == 404
    assert stored(session) == before


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"new_day": "31/02/2026"}, "new_day", "Hãy nhập ngày theo dạng dd/mm/yyyy"),
    ({"new_day": "03/03/1999"}, "new_day", "từ năm 2000 đến 2099"),
    ({"new_day": ""}, "new_day", "Hãy nhập ngày theo dạng dd/mm/yyyy"),
    ({"new_day": "2026-03-03"}, "new_day", "Hãy nhập ngày theo dạng dd/mm/yyyy"),
    ({"new_time": "25:00"}, "new_time", "Hãy nhập giờ theo dạng HH:mm"),
    ({"reason": "  "}, "reason", "Trường này là bắt buộc."),
    ({"signed_by": "x" * 201}, "signed_by", "Không quá 200 ký tự."),
    ({"new_day": "2/3/2026", "new_time": "16:00"}, "new_day",
     "Ngày hẹn mới phải sau ngày hẹn hiện tại, 02/03/2026 17:00."),
    ({"new_time": "12:30"}, "new_day", "Ngày hẹn mới không rơi vào giờ làm việc"),
    ({"new_day": "07/03/2026", "new_time": "09:00"}, "new_day",
     "Ngày hẹn mới không rơi vào giờ làm việc"),
    ({"new_day": "04/03/2026", "new_time": "09:00"}, "new_day",
     "Ngày hẹn mới chậm nhất là 03/03/2026 17:00"),
], ids=["no_such_day", "year_out_of_range", "no_day", "year_first", "no_such_hour", "no_reason",
        "signer_too_long", "before_the_current", "at_lunch", "on_saturday", "too_late"])
def test_a_wrong_letter_is_refused_beside_the_field_and_nothing_is_stored(
        http, people, session, overdue_birth, changes, field, message):
    sign_in(http, "office_head")
    before = stored(session)

    refused = write_letter(http, overdue_birth, **changes)

    assert refused.status_code == 422
    error = re.search(rf'data-testid="error-{field}">([^<]*)<', refused.text)
    assert error, refused.text
    assert message in error.group(1)
    assert 'data-testid="apology-form"' in refused.text
    assert LETTER["apology"] in refused.text  # what was typed stays in the form
    assert stored(session) == before
    assert http.get(f"/api/v1/dossiers/{overdue_birth}/apology",
                    headers=people["office_head"].headers).status_code == 404


def test_a_second_letter_is_refused_and_the_first_one_shown(http, people, session,
                                                            overdue_birth):
    sign_in(http, "office_head")
    assert write_letter(http, overdue_birth).status_code == 302
    before = stored(session)

    page = http.get(f"/ho-so/{overdue_birth}/xin-loi")
    second = post_form(http, "/", f"/ho-so/{overdue_birth}/xin-loi",
                       {**LETTER, "new_time": "17:00", "reason": "Lần thứ hai"})

    assert page.status_code == 200
    assert 'data-testid="apology-form"' not in page.text
    assert 'data-testid="letter"' in page.text
    assert second.status_code == 409
    assert 'data-testid="apology-already"' in second.text
    assert LETTER["reason"] in second.text and "Lần thứ hai" not in second.text
    assert stored(session) == before
    assert appointment(http, people, overdue_birth) == at(3, 16, 30)


def test_an_officer_reads_the_letter_once_it_exists_in_either_language(http, people, overdue_birth):
    sign_in(http, "office_head")
    assert write_letter(http, overdue_birth).status_code == 302
    http.cookies.clear()
    sign_in(http, "office")

    page = http.get(f"/ho-so/{overdue_birth}/xin-loi")
    english = http.get(f"/ho-so/{overdue_birth}/xin-loi?lang=en")

    assert page.status_code == 200
    assert LETTER["signed_by"] in page.text
    assert "Apology and new appointment letter" in english.text
    assert "Print the letter" in english.text


def test_form_04_posted_without_its_csrf_token_is_refused(http, people, session, overdue_birth):
    sign_in(http, "office_head")
    before = stored(session)

    refused = http.post(f"/ho-so/{overdue_birth}/xin-loi", data=LETTER)

    assert refused.status_code == 400
    assert 'data-testid="csrf-refused"' in refused.text
    assert stored(session) == before


def test_a_head_finds_form_04_from_the_inbox_the_step_and_the_control_sheet(
        http, people, overdue_birth):
    step = open_step(http, people["office"], overdue_birth, "review")
    sign_in(http, "office_head")

    inbox = http.get("/hop-viec")
    step_page = http.get(f"/hop-viec/{step['id']}")
    sheet = http.get(f"/ho-so/{overdue_birth}")
    http.cookies.clear()
    sign_in(http, "office")
    officers_inbox = http.get("/hop-viec")
    officers_sheet = http.get(f"/ho-so/{overdue_birth}")

    link = f'href="/ho-so/{overdue_birth}/xin-loi"'
    assert f'{link} data-testid="apology-{step["id"]}"' in inbox.text
    assert f'{link} data-testid="step-apology"' in step_page.text
    assert f'{link} data-testid="sheet-apology"' in sheet.text
    assert link not in officers_inbox.text
    assert link not in officers_sheet.text


def reviewed(http, people, clock, moment: datetime, officer: str) -> tuple[str, int]:
    """Receive a birth registration, have `officer` review it at `moment`; return its sign step."""
    clock.move_to(moment)
    code = received(http, people["reception"])["code"]
    review = open_step(http, people[officer], code, "review")
    do_step(http, people[officer], review["id"], REVIEW_APPROVE)
    return code, open_step(http, people["leader"], code, "sign")["id"]


def test_the_signing_queue_lists_what_waits_for_a_leader_most_urgent_first(
        http, people, clock):
    later_code, later = reviewed(http, people, clock, at(2, 10), "office2")
    sooner_code, sooner = reviewed(http, people, clock, at(2, 9, 30), "office")
    waiting_review = received(http, people["reception"])["code"]
    sign_in(http, "leader")

    queue = http.get("/ky-duyet")

    assert queue.status_code == 200
    assert re.findall(r'data-testid="sign-(\d+)"', queue.text) == [str(sooner), str(later)]
    assert waiting_review not in queue.text
    assert re.search(rf'data-testid="giver-{sooner}">{NAMES["office"]}<', queue.text)
    assert re.search(rf'data-testid="giver-{later}">{NAMES["office2"]}<', queue.text)
    assert "Đăng ký khai sinh" in queue.text and "Ký Giấy khai sinh" in queue.text
    assert f'href="/hop-viec/{sooner}"' in queue.text
    assert {sooner_code, later_code} <= set(re.findall(r'data-dossier="([^"]+)"', queue.text))


def test_a_leader_takes_a_step_from_the_queue_signs_it_and_comes_back(http, people, clock):
    code, sign = reviewed(http, people, clock, at(2, 9, 30), "office")
    sign_in(http, "leader")

    taken = post_form(http, "/ky-duyet", f"/hop-viec/{sign}/nhan", {})
    signed = post_form(http, f"/hop-viec/{sign}", f"/hop-viec/{sign}",
                       {"signer_position": "chairman"})
    queue = http.get(signed.headers["location"])

    assert taken.headers["location"] == f"/hop-viec/{sign}"
    assert signed.status_code == 302, signed.text
    assert signed.headers["location"] == f"/ky-duyet?xong={code}"
    assert 'data-testid="signing-done"' in queue.text
    assert f'data-testid="sign-{sign}"' not in queue.text


@pytest.mark.parametrize("person", ["office_head", "office"])
def test_only_leaders_have_a_signing_queue(http, people, person):
    sign_in(http, person)

    refused = http.get("/ky-duyet")

    assert refused.status_code == 403
    assert 'data-testid="page-refused"' in refused.text


def test_the_leaders_home_page_links_the_signing_queue(http, people):
    sign_in(http, "leader")

    assert 'data-testid="link-signing"' in http.get("/").text
    assert csrf_token(http.get("/ky-duyet"))


def test_a_heads_inbox_counts_each_officers_steps_and_shows_those_nobody_took(
        http, people, clock):
    steps = [open_step(http, people["office"], received(http, people["reception"])["code"],
                       "review")["id"] for _ in range(3)]
    for person, step in (("office", steps[0]), ("office2", steps[1])):
        claimed = http.post(f"/api/v1/tasks/{step}/claim", headers=people[person].headers)
        assert claimed.status_code == 200, claimed.text
    sign_in(http, "office_head")

    everyone = http.get("/hop-viec")
    untaken = http.get("/hop-viec?nguoi=chua-nhan")

    assert f'{NAMES["office"]} (1)</option>' in everyone.text
    assert f'{NAMES["office2"]} (1)</option>' in everyone.text
    assert f'{NAMES["office_head"]} (0)</option>' in everyone.text
    assert "Chưa ai nhận (1)</option>" in everyone.text
    assert re.findall(r'data-testid="step-(\d+)"', untaken.text) == [str(steps[2])]
    assert '<option value="chua-nhan" selected>' in untaken.text
