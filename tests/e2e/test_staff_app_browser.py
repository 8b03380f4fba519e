"""A receptionist signs in to the staff app in a browser, switches language and signs out.

The browser is Debian's Chromium, driven by Playwright, as in the designer's browser test.
"""

import pytest
from playwright.sync_api import expect

from engine.models import User
from engine.passwords import set_password
from tests.conftest import NOW
from tests.e2e.staff_app import PASSWORD

pytestmark = pytest.mark.one_backend


def test_a_receptionist_signs_in_sees_the_home_page_switches_language_and_signs_out(
        page, script_errors, live_server, staff, session, tmp_path):
    user = session.get(User, staff["reception"].id)
    user.full_name = "Nguyễn Thị Lan"
    set_password(session, user, PASSWORD, actor="test", now=NOW)

    page.goto(live_server)
    expect(page).to_have_url(f"{live_server}/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill("reception")
    page.get_by_label("Mật khẩu").fill("sai-mật-khẩu-rồi")
    page.get_by_label("Mật khẩu").press("Enter")
    expect(page.get_by_test_id("sign-in-error")).to_have_text(
        "Tên đăng nhập hoặc mật khẩu không đúng.")
    page.screenshot(path=tmp_path / "sign-in-refused.png", full_page=True)
    # Chromium logs the refused sign-in's 422 answer as a console error: expected here.
    assert all("422" in error for error in script_errors), script_errors
    script_errors.clear()
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()

    expect(page.get_by_test_id("greeting")).to_have_text("Xin chào, Nguyễn Thị Lan")
    expect(page.get_by_test_id("who")).to_contain_text("Cán bộ tiếp nhận")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.screenshot(path=tmp_path / "home-vi.png", full_page=True)

    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("greeting")).to_have_text("Hello, Nguyễn Thị Lan")
    expect(page.get_by_test_id("who")).to_contain_text("Receptionist")
    page.screenshot(path=tmp_path / "home-en.png", full_page=True)

    page.get_by_test_id("sign-out").click()
    expect(page).to_have_url(f"{live_server}/dang-nhap")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(live_server)
    expect(page).to_have_url(f"{live_server}/dang-nhap")
    assert script_errors == []
