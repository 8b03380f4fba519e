"""A head writes Form 04 for an overdue dossier and a leader signs from the queue, in Chromium.

The clock stands still at moments of March 2026 (Hà Nội time) for the app; the browser's
own timers are not touched.
"""

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.e2e.heads_and_leaders import LETTER, NAMES, at, named
from tests.e2e.helpers import APPLICANT, REVIEW_APPROVE, do_step, open_step, received
from tests.e2e.staff_app import PASSWORD

pytestmark = pytest.mark.one_backend


@pytest.fixture
def people(staff, session):
    """Staff with names and passwords for the app."""
    return named(staff, session)


def sign_in(page: Page, live_server: str, username: str) -> None:
    page.goto(live_server)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("greeting")).to_contain_text(NAMES[username])


def test_a_head_apologises_for_an_overdue_dossier_and_a_leader_signs_from_the_queue(
        page, new_page, script_errors, live_server, http, people, tmp_path):
    with time_machine.travel(at(2, 9), tick=False) as clock:
        late = received(http, people["reception"])["code"]
        clock.move_to(at(2, 9, 30))
        to_sign = received(http, people["reception"])["code"]
        review = open_step(http, people["office"], to_sign, "review")
        do_step(http, people["office"], review["id"], REVIEW_APPROVE)
        clock.move_to(at(3, 9))
        late_review = open_step(http, people["office"], late, "review")

        sign_in(page, live_server, "office_head")
        page.get_by_test_id("link-inbox").click()
        row = page.get_by_test_id(f"step-{late_review['id']}")
        expect(row.get_by_test_id("overdue")).to_be_visible()
        page.screenshot(path=tmp_path / "head-inbox.png", full_page=True)
        row.get_by_test_id(f"apology-{late_review['id']}").click()

        expect(page.get_by_test_id("current-appointment")).to_contain_text("02/03/2026 17:00")
        page.get_by_label("Lý do chậm trễ").fill(LETTER["reason"])
        page.get_by_label("Người ký (họ tên, chức vụ thủ trưởng cơ quan)").fill(
            LETTER["signed_by"])
        page.get_by_label("Ngày (dd/mm/yyyy)").fill("07/03/2026")  # a Saturday
        page.get_by_label("Giờ (HH:mm)").fill("09:00")
        page.get_by_test_id("apology-submit").click()
        expect(page.get_by_test_id("error-new_day")).to_contain_text(
            "Ngày hẹn mới không rơi vào giờ làm việc")
        expect(page.get_by_label("Lý do chậm trễ")).to_have_value(LETTER["reason"])
        page.screenshot(path=tmp_path / "apology-error.png", full_page=True)
        # Chromium logs the refused form's 422 answer as a console error: expected here.
        assert all("422" in error for error in script_errors), script_errors
        script_errors.clear()
        page.get_by_label("Ngày (dd/mm/yyyy)").fill("03/03/2026")
        page.get_by_label("Giờ (HH:mm)").fill("16:30")
        page.get_by_test_id("apology-submit").click()

        letter = page.get_by_test_id("letter")
        expect(page.get_by_test_id("apology-recorded")).to_be_visible()
        expect(letter).to_contain_text(APPLICANT["full_name"])
        expect(letter).to_contain_text(late)
        expect(page.get_by_test_id("letter-original")).to_have_text("02/03/2026 17:00")
        expect(page.get_by_test_id("letter-new")).to_have_text("03/03/2026 16:30")
        expect(page.get_by_test_id("letter-signer")).to_have_text(LETTER["signed_by"])
        expect(page.get_by_test_id("print")).to_be_visible()
        page.screenshot(path=tmp_path / "apology-letter.png", full_page=True)
        page.emulate_media(media="print")
        expect(page.get_by_test_id("print")).to_be_hidden()
        expect(page.locator(".topbar")).to_be_hidden()
        page.screenshot(path=tmp_path / "apology-letter-print.png", full_page=True)

        leader = new_page(viewport={"width": 1280, "height": 800}, locale="vi-VN")
        sign_in(leader, live_server, "leader")
        leader.get_by_test_id("link-signing").click()
        sign = open_step(http, people["leader"], to_sign, "sign")
        queued = leader.get_by_test_id(f"sign-{sign['id']}")
        expect(queued).to_contain_text(to_sign)
        expect(queued.get_by_test_id(f"giver-{sign['id']}")).to_have_text(NAMES["office"])
        leader.screenshot(path=tmp_path / "signing-queue.png", full_page=True)
        queued.get_by_test_id(f"take-{sign['id']}").click()
        leader.get_by_label("Chủ tịch Ủy ban nhân dân", exact=True).check()
        leader.get_by_test_id("complete").click()

        expect(leader.get_by_test_id("signing-done")).to_contain_text(to_sign)
        expect(leader.get_by_test_id(f"sign-{sign['id']}")).to_have_count(0)
        leader.screenshot(path=tmp_path / "signing-queue-after.png", full_page=True)
    assert script_errors == []
