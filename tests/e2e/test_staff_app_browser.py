"""A receptionist signs in to the staff app in a browser, switches language and signs out.

The browser is Debian's Chromium, driven by Playwright, as in the designer's browser test.
"""

import pytest
from playwright.sync_api import expect

from engine.models import User
from engine.passwords import set_password
from tests.conftest import NOW
from tests.e2e.staff_app import PASSWORD
from tests.e2e.test_designer_browser import browser, script_errors  # noqa: F401 - fixtures

WAIT_MS = 20_000
pytestmark = pytest.mark.one_backend


@pytest.fixture
def page(browser, script_errors):  # noqa: F811 - the designer test's fixtures, reused
    """A page of a browser that prefers Vietnamese, as at a commune's counter."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    context.set_default_timeout(WAIT_MS)
    expect.set_options(timeout=WAIT_MS)
    page = context.new_page()
    page.on("pageerror", lambda err: script_errors.append(str(err)))
    page.on("console", lambda msg: msg.type == "error" and script_errors.append(msg.text))
    yield page
    context.close()


def test_a_receptionist_signs_in_sees_the_home_page_switches_language_and_signs_out(
        page, script_errors, live_server, staff, session, tmp_path):  # noqa: F811
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
