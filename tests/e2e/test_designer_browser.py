"""A process designer edits a procedure's model in the browser, publishes it, and it takes effect.

The browser is Debian's Chromium (`apt-get install -y chromium`), driven by Playwright; its own
browser download is never used.
"""

import json
import re

import pytest
from playwright.sync_api import Page, expect

import api.designer_ui
from tests.e2e.helpers import receive
from tests.scenarios import SCENARIOS

CERTIFIED_COPY = "2.000815"
NEW_NAME = "Đối chiếu bản sao với bản chính và ghi lời chứng"
# A browser is slow to drive: the backend makes no difference to the page, so run once.
pytestmark = pytest.mark.one_backend


@pytest.fixture
def page(new_page):
    """A fresh page on a wide screen, where the modeller and its panels fit."""
    return new_page(viewport={"width": 1440, "height": 900})


def rename_step(page: Page, step_id: str, name: str) -> None:
    """Edit a step's label the way a designer does: double-click it, type, press Enter."""
    page.locator(f'.djs-element[data-element-id="{step_id}"]').dblclick()
    label = page.locator(".djs-direct-editing-parent")
    expect(label).to_be_visible()
    label.press("ControlOrMeta+A")
    label.press_sequentially(name)
    label.press("Enter")
    expect(label).to_be_hidden()


def test_a_step_renamed_and_published_in_the_designer_names_the_step_of_new_dossiers(
        versions_restored, page, script_errors, live_server, staff, http, tmp_path):
    designer = staff["designer"]
    page.goto(f"{live_server}/designer")
    page.fill("#token-input", designer.token)
    page.click("#token-save")
    page.get_by_test_id(f"procedure-{CERTIFIED_COPY}").click()
    expect(page.get_by_test_id("status")).to_contain_text("Đã mở")

    rename_step(page, "certify", NEW_NAME)
    expect(page.locator("#dirty-flag")).to_be_visible()
    page.get_by_test_id("change-note").fill("Rút gọn tên bước đối chiếu")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("validation-result")).to_have_attribute("data-valid", "true")
    expect(page.get_by_test_id("validation-result")).to_contain_text("valid, no problems")
    expect(page.get_by_test_id("problem-list").locator("li")).to_have_count(0)
    page.get_by_test_id("show-diff").click()
    expect(page.get_by_test_id("diff-steps_changed")).to_contain_text("certify")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text(re.compile(r"published version \d+"))
    published = int(page.get_by_test_id("status").get_attribute("data-published"))
    page.screenshot(path=tmp_path / "designer-published.png", full_page=True)

    versions = http.get(f"/api/v1/procedures/{CERTIFIED_COPY}/versions",
                        headers=designer.headers).json()
    assert {v["number"]: v["state"] for v in versions}[published] == "published"
    response = receive(http, staff["reception"], procedure=CERTIFIED_COPY,
                       form_data=SCENARIOS["certified_copy"]["intake"])
    assert response.status_code == 201, response.text
    first_step = response.json()["open_steps"][0]
    assert first_step["step"] == "certify"
    assert first_step["step_name"] == NEW_NAME
    # The modeler kept the step's engine properties it does not know about.
    assert first_step["form"] == "certified_copy/certify"
    assert script_errors == []


def test_a_draft_with_an_unreachable_step_shows_its_problems_on_the_diagram_and_stays_a_draft(
        versions_restored, page, script_errors, live_server, staff, http):
    designer = staff["designer"]
    page.goto(f"{live_server}/designer")
    page.fill("#token-input", designer.token)
    page.click("#token-save")
    page.get_by_test_id(f"procedure-{CERTIFIED_COPY}").click()
    expect(page.get_by_test_id("status")).to_contain_text("Đã mở")

    # Cut the approval flow, so signing can no longer be reached.
    page.evaluate("""() => {
        const modeler = window.motcuaDesigner.modeler;
        const flow = modeler.get('elementRegistry').get('Flow_certify_approve');
        modeler.get('modeling').removeElements([flow]);
    }""")
    page.get_by_test_id("change-note").fill("Bỏ luồng phê duyệt")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("validation-result")).to_have_attribute("data-valid", "false")
    expect(page.locator('.djs-element.motcua-problem-error[data-element-id="sign"]')).to_have_count(1)
    expect(page.get_by_test_id("problem-badge-sign")).to_be_visible()
    expect(page.get_by_test_id("problem-list")).to_contain_text("sign")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text("422")

    versions = http.get(f"/api/v1/procedures/{CERTIFIED_COPY}/versions",
                        headers=designer.headers).json()
    assert [v["state"] for v in versions] == ["published", "draft"]
    assert [e for e in script_errors if "422" not in e] == []


def get(app, path: str):
    """GET a path with the test client; return the status, headers and body, the file closed."""
    response = app.test_client().get(path)
    try:
        return response.status_code, response.headers, response.get_data(as_text=True)
    finally:
        response.close()


def test_the_designer_page_is_served_without_a_token_but_its_api_calls_need_one(app):
    page_status, page_headers, page = get(app, "/designer")
    script_status, _, script = get(app, "/designer/static/designer.js")
    api_status, _, _ = get(app, "/api/v1/procedures")

    assert page_status == 200, page
    assert "bpmn-modeler.production.min.js" in page
    assert "script-src 'self'" in page_headers["Content-Security-Policy"]
    assert script_status == 200
    assert "motcuaDesigner" in script
    assert api_status == 401


def test_the_designer_page_says_to_run_make_assets_when_bpmn_js_is_missing(
        app, monkeypatch, tmp_path):
    monkeypatch.setattr(api.designer_ui, "STATIC_DIR", tmp_path)

    status, _, body = get(app, "/designer")

    assert status == 503
    assert "make assets" in json.loads(body)["error"]["message"]
