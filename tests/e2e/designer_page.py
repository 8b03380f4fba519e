"""Open the designer page as a member of staff, one way for every browser test of the page.

Today the page takes a pasted token; when it signs in like the staff app, only this changes.
"""

from playwright.sync_api import Page, expect


def open_designer(page: Page, live_server: str, user) -> None:
    """Load the designer page signed in as `user` (a tests.conftest.Staff), procedures listed."""
    page.goto(f"{live_server}/designer")
    page.fill("#token-input", user.token)
    page.click("#token-save")
    expect(page.get_by_test_id("procedure-list").locator("li").first).to_be_visible()
