"""Officers work their department's steps in the staff app: inbox, claim, the step's form."""

import re
from datetime import timedelta

import httpx
import pytest
import time_machine

from engine.models import User
from engine.passwords import set_password
from tests.conftest import NOW
from tests.e2e.helpers import REVIEW_APPROVE, received
from tests.e2e.staff_app import PASSWORD, csrf_token, data_rows, name_staff, post_form, sign_in
from tests.scenarios import SCENARIOS


@pytest.fixture
def people(staff, session):
    """OFFICE's officers and head, named and with passwords for the app."""
    names = {"office": "Trần Văn An", "office2": "Phạm Thị Bích", "office_head": "Lê Văn Cường"}
    return name_staff(session, staff, names)


def review_step(http, staff) -> dict:
    return received(http, staff["reception"])["open_steps"][0]


def test_the_inbox_lists_the_departments_steps_most_urgent_first_with_overdue_badges(
        http, people):
    with time_machine.travel(NOW, tick=False) as clock:
        first = review_step(http, people)
        clock.move_to(NOW + timedelta(hours=2))
        second = review_step(http, people)
        elsewhere = received(http, people["reception"], procedure="MC.HKD.001",
                             form_data=SCENARIOS["business_household"]["intake"])[
            "open_steps"][0]
        sign_in(http, "office")

        today = http.get("/hop-viec")
        clock.move_to(NOW + timedelta(days=30))
        sign_in(http, "office")  # the idle session ended meanwhile
        later = http.get("/hop-viec")

    assert today.status_code == 200
    rows = re.findall(r'data-testid="step-(\d+)"', today.text)
    assert rows == [str(first["id"]), str(second["id"])]
    assert str(elsewhere["id"]) not in rows
    assert "Đăng ký khai sinh" in today.text
    assert "Chờ nhận" in today.text
    assert re.search(r"còn [\d,]+ giờ làm việc", today.text)
    assert "Quá hạn" not in today.text
    assert later.text.count('data-testid="overdue">Quá hạn<') == 2
    assert re.search(r"quá hạn [\d.,]+ giờ làm việc", later.text)


def test_an_officer_claims_and_gives_back_a_step_and_a_late_claim_is_told_in_vietnamese(
        http, people, live_server):
    step = review_step(http, people)
    sign_in(http, "office")

    claimed = post_form(http, "/hop-viec", f"/hop-viec/{step['id']}/nhan", {})
    inbox = http.get("/hop-viec")
    with httpx.Client(base_url=live_server) as other:
        sign_in(other, "office2")
        late = post_form(other, "/hop-viec", f"/hop-viec/{step['id']}/nhan", {})
    given_back = post_form(http, "/hop-viec", f"/hop-viec/{step['id']}/tra-lai", {})

    assert claimed.status_code == 302
    assert claimed.headers["location"] == f"/hop-viec/{step['id']}"
    assert "Đang xử lý: Trần Văn An" in inbox.text
    assert late.status_code == 409
    assert "Bước này đang do office xử lý" in late.text
    assert given_back.status_code == 302
    assert "Chờ nhận" in http.get("/hop-viec").text


def test_the_step_page_renders_the_review_form_with_enum_titles_and_conditional_fields(
        http, people):
    step = review_step(http, people)
    sign_in(http, "office")
    post_form(http, "/hop-viec", f"/hop-viec/{step['id']}/nhan", {})

    page = http.get(f"/hop-viec/{step['id']}")

    assert page.status_code == 200
    assert "Kiểm tra hồ sơ và ghi Sổ đăng ký khai sinh" in page.text
    assert 'type="radio" name="review_decision" value="approve"' in page.text
    assert "Hợp lệ: đã ghi Sổ, trình ký Giấy khai sinh" in page.text
    assert 'pattern="^[0-9]{12}$"' in page.text
    assert "Bắt buộc khi Kết quả xử lý là “Hợp lệ: đã ghi Sổ, trình ký Giấy khai sinh”." in (
        page.text)
    assert "Họ, chữ đệm và tên của trẻ" in page.text and "Nguyễn Minh Khôi" in page.text
    assert "20/02/2026" in page.text  # the intake's date, as people write it
    assert "<dd>Nam</dd>" in page.text  # an enum value shown by its title


def test_a_wrong_value_shows_the_vietnamese_error_beside_the_field_and_changes_nothing(
        http, people, session):
    step = review_step(http, people)
    sign_in(http, "office")
    post_form(http, "/hop-viec", f"/hop-viec/{step['id']}/nhan", {})
    page = http.get(f"/hop-viec/{step['id']}")
    before = data_rows(session)

    wrong = http.post(f"/hop-viec/{step['id']}", data={
        "csrf_token": csrf_token(page), "review_decision": "approve",
        "civil_register_book": "01/2026", "personal_id_number": "12AB"})

    assert wrong.status_code == 422
    assert data_rows(session) == before
    assert ('data-testid="error-civil_register_entry_number"><p class="field-error">'
            'Trường này là bắt buộc.' in wrong.text)
    assert ('data-testid="error-personal_id_number"><p class="field-error">'
            'Giá trị không đúng định dạng yêu cầu.</p><p class="field-error">'
            'Cần ít nhất 12 ký tự.' in wrong.text)
    assert 'value="01/2026"' in wrong.text  # what was typed is kept


def test_a_correct_submit_completes_the_step_and_the_dossier_moves_to_the_signing_queue(
        http, people, staff, session, live_server):
    leader = session.get(User, staff["leader"].id)
    set_password(session, leader, PASSWORD, actor="test", now=NOW)
    session.commit()
    step = review_step(http, people)
    sign_in(http, "office")
    post_form(http, "/hop-viec", f"/hop-viec/{step['id']}/nhan", {})

    done = post_form(http, f"/hop-viec/{step['id']}", f"/hop-viec/{step['id']}",
                     REVIEW_APPROVE)

    assert done.status_code == 302
    dossier = http.get(f"/api/v1/dossiers/{step['dossier_code']}",
                       headers=staff["office"].headers).json()
    assert [s["step"] for s in dossier["open_steps"]] == ["sign"]
    officer_sees = http.get(f"/hop-viec?xong={step['dossier_code']}")
    assert f"Đã hoàn thành bước của hồ sơ {step['dossier_code']}" in officer_sees.text
    assert f'data-dossier="{step["dossier_code"]}"' not in officer_sees.text
    with httpx.Client(base_url=live_server) as leaders_browser:
        sign_in(leaders_browser, "leader")
        signing_queue = leaders_browser.get("/hop-viec")
    assert f'data-dossier="{step["dossier_code"]}"' in signing_queue.text
    assert "Chờ nhận" in signing_queue.text


def test_a_claim_without_its_csrf_token_is_refused_and_changes_nothing(http, people, session):
    step = review_step(http, people)
    sign_in(http, "office")
    before = data_rows(session)

    refused = http.post(f"/hop-viec/{step['id']}/nhan", data={})

    assert refused.status_code == 400
    assert data_rows(session) == before


def test_a_head_lists_the_departments_members_and_an_officer_may_not(http, people):
    head = http.get("/api/v1/departments/OFFICE/members", headers=people["office_head"].headers)
    officer = http.get("/api/v1/departments/OFFICE/members", headers=people["office"].headers)
    other_head = http.get("/api/v1/departments/OFFICE/members",
                          headers=people["economic_head"].headers)

    assert head.status_code == 200
    assert [m["username"] for m in head.json()] == ["office", "office2", "office_head"]
    assert "Phạm Thị Bích" in [m["full_name"] for m in head.json()]
    assert officer.status_code == 403
    assert officer.json()["error"]["code"] == "not_permitted"
    assert other_head.status_code == 403
    unknown = http.get("/api/v1/departments/NOWHERE/members", headers=people["admin"].headers)
    assert unknown.status_code == 404


def test_a_head_reassigns_a_step_by_choosing_a_name(http, people, staff):
    step = review_step(http, people)
    sign_in(http, "office_head")
    page = http.get(f"/hop-viec/{step['id']}")
    assert f'<option value="{staff["office2"].id}" >Phạm Thị Bích</option>' in page.text

    assigned = http.post(f"/hop-viec/{step['id']}/giao", data={
        "csrf_token": csrf_token(page), "assignee_id": str(staff["office2"].id)})

    assert assigned.status_code == 302
    task = http.get(f"/api/v1/tasks/{step['id']}", headers=staff["office_head"].headers).json()
    assert task["assignee"] == "office2"
    by_officer = http.get(f"/hop-viec?nguoi={staff['office2'].id}")
    assert f'data-testid="step-{step["id"]}"' in by_officer.text
    assert f'data-testid="step-{step["id"]}"' not in http.get(
        f"/hop-viec?nguoi={staff['office'].id}").text


def test_the_home_page_links_the_inbox_for_officers(http, people):
    sign_in(http, "office")

    assert 'data-testid="link-inbox"' in http.get("/").text


def test_another_departments_step_is_refused_on_a_page_in_vietnamese(http, people, session):
    user = session.get(User, people["economic"].id)
    set_password(session, user, PASSWORD, actor="test", now=NOW)
    session.commit()
    step = review_step(http, people)
    sign_in(http, "economic")
    before = data_rows(session)

    opened = http.get(f"/hop-viec/{step['id']}")
    claimed = post_form(http, "/hop-viec", f"/hop-viec/{step['id']}/nhan", {})

    assert opened.status_code == 403 and claimed.status_code == 403
    assert "thuộc phòng khác hoặc vai trò khác" in opened.text
    assert data_rows(session) == before
    assert http.get("/hop-viec/999999").status_code == 404
