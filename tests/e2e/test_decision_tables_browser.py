"""A designer edits a decision table with dmn-js in the page; the draft and its trial follow it.

The browser is Debian's Chromium, driven by Playwright, as in the other browser tests.
"""

import pytest
from playwright.sync_api import expect

from engine.models import User
from engine.passwords import set_password
from tests.conftest import NOW
from tests.e2e.staff_app import PASSWORD
from tests.e2e.test_decision_tables import LAND, TABLE, VERSIONS

pytestmark = pytest.mark.one_backend
# dmn-js's distributed bundle ships Inferno's development build, which says so on the console.
INFERNO_NOTICE = "It looks like you're using a minified copy of the development build of Inferno"
APPROVE_ROUTE = "td[data-row-id='Rule_approve'][data-col-id='Output_route']"


def sign_in(page, live_server, session, person) -> None:
    set_password(session, session.get(User, person.id), PASSWORD, actor="test", now=NOW)
    page.goto(live_server)
    page.get_by_label("Tên đăng nhập").fill(person.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()


def test_a_designer_changes_a_rule_saves_it_into_a_draft_and_the_trial_follows_it(
        page, script_errors, live_server, staff, session, http, versions_restored, tmp_path):
    designer = staff["designer"]
    sign_in(page, live_server, session, designer)
    page.get_by_test_id("link-decisions").click()
    page.get_by_test_id(f"decisions-{LAND}").click()
    editor = page.get_by_test_id("decision-editor")
    expect(editor).to_have_attribute("data-ready", "true")
    cell = editor.locator(APPROVE_ROUTE)
    expect(cell).to_have_text('"posting"')
    page.screenshot(path=tmp_path / "decision-table-opened.png", full_page=True)

    cell.locator("[contenteditable]").click()
    page.keyboard.press("Control+A")
    page.keyboard.type('"refuse"')
    page.get_by_test_id("change-note").fill("Đất đủ điều kiện vẫn từ chối: thử quy tắc mới")
    page.get_by_test_id("save").click()

    expect(page.get_by_test_id("saved")).to_be_visible()
    expect(page.get_by_test_id("version")).to_contain_text("bản nháp")
    expect(page.get_by_test_id("problems")).to_have_count(0)
    page.screenshot(path=tmp_path / "decision-table-saved.png", full_page=True)
    versions = http.get(VERSIONS, headers=designer.headers).json()
    draft = versions[-1]
    assert draft["state"] == "draft"
    tables = http.get(f"{VERSIONS}/{draft['number']}/decisions",
                      headers=designer.headers).json()["decisions"]
    assert '<text>"refuse"</text>' in tables[TABLE].split('id="Rule_approve"')[1].split(
        "</rule>")[0]
    trial = http.post(f"{VERSIONS}/{draft['number']}/trial-run", headers=designer.headers,
                      json={"decisions": {"review": "approve"}}).json()
    published = http.post(f"{VERSIONS}/{versions[-2]['number']}/trial-run",
                          headers=designer.headers,
                          json={"decisions": {"review": "approve"}}).json()
    assert trial["finished"] and trial["status"] == 3
    assert "public_posting" not in [step["step"] for step in trial["path"]]
    assert "public_posting" in [step["step"] for step in published["path"]]
    assert [error for error in script_errors if not error.startswith(INFERNO_NOTICE)] == []


def test_only_designers_and_admins_open_the_decision_tables(http, staff, session, live_server,
                                                            page):
    sign_in(page, live_server, session, staff["reception"])

    page.goto(f"{live_server}/thiet-ke/{LAND}/bang-quyet-dinh")

    expect(page.get_by_test_id("page-refused")).to_be_visible()
