"""Open the designer page as a member of staff, one way for every browser test of the page.

The designer signs in like every member of staff: on the staff app's sign-in page, which
sends them back to the designer.
"""

import re

from playwright.sync_api import Page, expect

from tests.e2e.staff_app import PASSWORD


def open_designer(page: Page, live_server: str, username: str) -> None:
    """Sign in as `username` (given a password by tests.e2e.staff_app.name_staff) on the designer.

    Opened signed out, the designer sends the browser to sign in and back; the procedures
    are listed once the page is open.
    """
    page.goto(f"{live_server}/designer")
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next=/designer$"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    expect(page).to_have_url(f"{live_server}/designer")
    expect(page.get_by_test_id("procedure-list").locator("li").first).to_be_visible()
