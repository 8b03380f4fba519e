"""On a phone, a citizen withdraws a dossier, and completes an online submission, from /tra-cuu.

Debian's Chromium driven by Playwright, as tests/e2e/test_online_submission_browser.py does.
"""

import pytest
import time_machine
from playwright.sync_api import expect

from tests.e2e.browser import WAIT_MS
from tests.e2e.helpers import BIRTH_INTAKE, received
from tests.e2e.test_online_submission import answer, at, submitted
from tests.e2e.test_online_submission_browser import PHONE, fits_the_phone

REASON = "Gia đình chuyển về quê, sẽ đăng ký khai sinh tại nơi cư trú mới."
MISSING = ["Ngày sinh của trẻ ghi sai; hãy sửa theo Giấy chứng sinh."]
# A browser is slow to drive: the backend makes no difference to the page, so run once.
pytestmark = pytest.mark.one_backend


@pytest.fixture
def clock():
    """Monday 2 March 2026, 09:00 in Hà Nội, for the test and its live server."""
    with time_machine.travel(at(3, 2, 9), tick=False) as traveller:
        yield traveller


def phone_page(new_page):
    return new_page(viewport=PHONE, locale="vi-VN", device_scale_factor=2, is_mobile=True,
                    has_touch=True)


def look_up(page, live_server, code: str, pin: str) -> None:
    page.goto(f"{live_server}/tra-cuu?ma={code}")
    page.get_by_label("Mã PIN", exact=True).fill(pin)
    page.get_by_role("button", name="Tra cứu").click()


def test_a_citizen_withdraws_after_reading_what_it_means(
        new_page, script_errors, live_server, http, staff, clock, tmp_path):
    dossier = received(http, staff["reception"])
    page = phone_page(new_page)
    look_up(page, live_server, dossier["code"], dossier["pin"])
    expect(page.get_by_test_id("status")).to_have_text("Đang xử lý", timeout=WAIT_MS)
    page.screenshot(path=tmp_path / "withdrawal-offered.png", full_page=True)

    page.get_by_test_id("withdraw").click()
    expect(page.get_by_role("heading", name="Bạn có chắc muốn rút hồ sơ này?")).to_be_visible(
        timeout=WAIT_MS)
    expect(page.get_by_test_id("withdrawal-meaning")).to_contain_text("Không thể hoàn tác")
    assert fits_the_phone(page)
    page.get_by_label("Lý do rút hồ sơ (không bắt buộc)").fill(REASON)
    page.screenshot(path=tmp_path / "withdrawal-confirmation.png", full_page=True)
    page.get_by_role("button", name="Xác nhận rút hồ sơ").click()

    expect(page.get_by_test_id("status")).to_have_text("Công dân yêu cầu rút hồ sơ",
                                                        timeout=WAIT_MS)
    expect(page.get_by_test_id("end-reason")).to_have_text(REASON)
    expect(page.get_by_test_id("lookup-notice")).to_have_text("Hồ sơ đã được rút.")
    expect(page.get_by_test_id("withdraw")).to_have_count(0)
    assert dossier["pin"] not in page.url
    assert fits_the_phone(page)
    page.screenshot(path=tmp_path / "withdrawal-result.png", full_page=True)
    assert script_errors == []


def test_a_citizen_completes_an_online_submission_reception_asked_to_complete(
        new_page, script_errors, live_server, http, staff, clock, tmp_path):
    dossier = submitted(http)
    asked = answer(http, staff["reception"], dossier["code"], "ask-to-complete",
                   {"missing": MISSING})
    assert asked.status_code == 200, asked.text
    page = phone_page(new_page)
    look_up(page, live_server, dossier["code"], dossier["pin"])
    expect(page.get_by_test_id("missing-documents")).to_have_text(MISSING[0], timeout=WAIT_MS)
    form = page.get_by_test_id("completion-form")
    expect(form.get_by_label("Họ, chữ đệm và tên của trẻ")).to_have_value(
        BIRTH_INTAKE["child_full_name"])
    expect(form.get_by_label("Ngày, tháng, năm sinh")).to_have_value(
        BIRTH_INTAKE["child_date_of_birth"])
    assert fits_the_phone(page)
    page.screenshot(path=tmp_path / "completion-form.png", full_page=True)

    form.get_by_label("Họ, chữ đệm và tên người mẹ").fill("")
    form.get_by_role("button", name="Gửi bổ sung").click()
    expect(page.get_by_test_id("error-mother_full_name")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("lookup-error")).to_contain_text("Biểu mẫu còn lỗi")
    page.screenshot(path=tmp_path / "completion-errors.png", full_page=True)
    # Chromium logs the refused form's 422 answer as a console error: expected here.
    assert all("422" in error for error in script_errors), script_errors
    script_errors.clear()

    clock.move_to(at(3, 3, 14))
    form = page.get_by_test_id("completion-form")
    form.get_by_label("Ngày, tháng, năm sinh").fill("2026-02-21")
    form.get_by_label("Họ, chữ đệm và tên người mẹ").fill(BIRTH_INTAKE["mother_full_name"])
    form.get_by_role("button", name="Gửi bổ sung").click()

    expect(page.get_by_test_id("status")).to_have_text("Mới đăng ký", timeout=WAIT_MS)
    # 8 working hours from Tuesday 14:00: 3 on Tuesday, 5 on Wednesday.
    expect(page.get_by_test_id("verify-by")).to_have_text("04/03/2026 14:00")
    assert dossier["pin"] not in page.url
    assert fits_the_phone(page)
    page.screenshot(path=tmp_path / "completion-answer.png", full_page=True)
    assert script_errors == []
