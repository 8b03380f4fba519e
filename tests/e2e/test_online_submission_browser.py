"""A citizen on a phone submits a birth registration online, then looks it up with the PIN.

Debian's Chromium driven by Playwright, as tests/e2e/test_citizen_browser.py does.
"""


import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WAIT_MS
from tests.e2e.helpers import APPLICANT, BIRTH, BIRTH_INTAKE

PHONE = {"width": 360, "height": 740}
# A browser is slow to drive: the backend makes no difference to the page, so run once.
pytestmark = pytest.mark.one_backend


def fits_the_phone(page) -> bool:
    """Nothing is wider than the phone: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_citizen_submits_online_from_the_catalogue_and_reads_code_pin_and_status(
        new_page, script_errors, live_server, tmp_path):
    page = new_page(viewport=PHONE, locale="vi-VN", device_scale_factor=2, is_mobile=True,
                    has_touch=True)
    page.goto(f"{live_server}/thu-tuc?q=khai+sinh")
    page.get_by_test_id(f"submit-online-{BIRTH}").click()
    expect(page.get_by_role("heading", name="Nộp hồ sơ trực tuyến")).to_be_visible()
    assert fits_the_phone(page)
    page.get_by_label("Họ, chữ đệm và tên người nộp").fill(APPLICANT["full_name"])
    page.get_by_label("Số định danh cá nhân").fill(APPLICANT["id_number"])
    page.get_by_label("Họ, chữ đệm và tên của trẻ").fill(BIRTH_INTAKE["child_full_name"])
    page.get_by_label("Ngày, tháng, năm sinh").fill(BIRTH_INTAKE["child_date_of_birth"])
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Nơi sinh").fill(BIRTH_INTAKE["child_place_of_birth"])
    page.get_by_role("button", name="Nộp hồ sơ").click()

    # No phone and no mother's name: both are told beside their fields, the rest is kept.
    expect(page.get_by_test_id("submission-error")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("error-applicant_phone")).to_contain_text("số điện thoại")
    expect(page.get_by_test_id("error-mother_full_name")).to_be_visible()
    expect(page.get_by_label("Nơi sinh")).to_have_value(BIRTH_INTAKE["child_place_of_birth"])
    page.screenshot(path=tmp_path / "submission-errors.png", full_page=True)
    # Chromium logs the refused form's 422 answer as a console error: expected here.
    assert all("422" in error for error in script_errors), script_errors
    script_errors.clear()
    page.get_by_label("Số điện thoại").fill(APPLICANT["phone"])
    page.get_by_label("Họ, chữ đệm và tên người mẹ").fill(BIRTH_INTAKE["mother_full_name"])
    page.get_by_role("button", name="Nộp hồ sơ").click()

    expect(page.get_by_test_id("status")).to_have_text("Mới đăng ký", timeout=WAIT_MS)
    code = page.get_by_test_id("code").inner_text()
    pin = page.get_by_test_id("pin").inner_text()
    assert len(pin) == 6 and pin.isdigit()
    assert fits_the_phone(page)
    page.screenshot(path=tmp_path / "submission-answer.png", full_page=True)
    page.get_by_role("link", name="Tra cứu hồ sơ").last.click()
    expect(page.get_by_label("Mã hồ sơ", exact=True)).to_have_value(code)
    page.get_by_label("Mã PIN", exact=True).fill(pin)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_test_id("status")).to_have_text("Mới đăng ký", timeout=WAIT_MS)
    assert script_errors == []
