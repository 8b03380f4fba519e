"""A head stops a dossier from its page in Chromium, and the citizen reads why on the phone."""

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import WAIT_MS
from tests.e2e.heads_and_leaders import named
from tests.e2e.helpers import received
from tests.e2e.test_heads_and_leaders_browser import sign_in

PHONE = {"width": 360, "height": 740}
REASON = "Công dân chuyển nơi cư trú, không tiếp tục đăng ký tại xã."
pytestmark = pytest.mark.one_backend


def test_a_head_stops_a_dossier_and_the_citizen_reads_the_reason(
        page, new_page, script_errors, live_server, http, staff, session, tmp_path):
    named(staff, session)
    dossier = received(http, staff["reception"])

    sign_in(page, live_server, "office_head")
    page.goto(f"{live_server}/ho-so/{dossier['code']}")
    expect(page.get_by_test_id("stop-form")).to_be_visible()
    page.screenshot(path=tmp_path / "dossier-stop-form.png", full_page=True)
    page.get_by_label("Lý do dừng xử lý", exact=False).fill(REASON)
    page.get_by_test_id("stop-submit").click()
    expect(page.get_by_test_id("sheet-status")).to_have_text("Dừng xử lý", timeout=WAIT_MS)
    expect(page.get_by_test_id("sheet-end-reason")).to_have_text(REASON)
    expect(page.get_by_test_id("stop-form")).to_have_count(0)
    page.screenshot(path=tmp_path / "dossier-stopped.png", full_page=True)

    phone = new_page(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    phone.goto(f"{live_server}/tra-cuu?ma={dossier['code']}")
    phone.get_by_label("Mã PIN", exact=True).fill(dossier["pin"])
    phone.get_by_role("button", name="Tra cứu").click()
    expect(phone.get_by_test_id("status")).to_have_text("Dừng xử lý", timeout=WAIT_MS)
    expect(phone.get_by_test_id("end-reason")).to_have_text(REASON)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=tmp_path / "citizen-stopped.png", full_page=True)
    assert script_errors == []
