"""A citizen opens the slip's link on a phone, types the PIN and reads the status.

Debian's Chromium driven by Playwright, as tests/e2e/test_designer_browser.py does.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WAIT_MS
from tests.e2e.helpers import received

PHONE = {"width": 360, "height": 740}
# A browser is slow to drive: the backend makes no difference to the page, so run once.
pytestmark = pytest.mark.one_backend


def test_a_citizen_on_a_phone_reads_the_status_and_appointment_from_the_slip_link(
        new_page, script_errors, live_server, http, staff, tmp_path):
    dossier = received(http, staff["reception"])
    appointment = datetime.fromisoformat(dossier["appointment_at"]).astimezone(
        ZoneInfo("Asia/Ho_Chi_Minh"))
    page = new_page(viewport=PHONE, locale="vi-VN", device_scale_factor=2, is_mobile=True,
                    has_touch=True)

    page.goto(f"{live_server}/tra-cuu?ma={dossier['code']}")
    expect(page.get_by_label("Mã hồ sơ", exact=True)).to_have_value(dossier["code"])
    page.screenshot(path=tmp_path / "citizen-lookup-form.png", full_page=True)
    page.get_by_label("Mã PIN", exact=True).fill(dossier["pin"])
    page.get_by_role("button", name="Tra cứu").click()

    expect(page.get_by_test_id("status")).to_have_text("Đang xử lý", timeout=WAIT_MS)
    expect(page.get_by_test_id("appointment-at")).to_have_text(
        f"{appointment:%d/%m/%Y %H:%M}")
    assert dossier["pin"] not in page.url
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "citizen-lookup-result.png", full_page=True)
    page.goto(f"{live_server}/thu-tuc?q=khai+sinh")
    expect(page.get_by_test_id("procedure-1.001193")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "citizen-catalogue.png", full_page=True)
    assert script_errors == []
