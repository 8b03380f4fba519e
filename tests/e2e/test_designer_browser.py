"""A process designer edits a procedure's model in the browser, publishes it, and it takes effect.

The designer signs in like every member of staff; the page's API calls go with the session
cookie and its CSRF token. The browser is Debian's Chromium (`apt-get install -y chromium`),
driven by Playwright; its own browser download is never used.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.designer_page import open_designer
from tests.e2e.helpers import receive
from tests.e2e.staff_app import name_staff
from tests.scenarios import SCENARIOS

CERTIFIED_COPY = "2.000815"
NEW_NAME = "Đối chiếu bản sao với bản chính và ghi lời chứng"
# A browser is slow to drive: the backend makes no difference to the page, so run once.
pytestmark = pytest.mark.one_backend


@pytest.fixture
def people(staff, session):
    """The test's staff, the designer with a name and a password for the app."""
    return name_staff(session, staff, {"designer": "Trần Thị Thiết Kế"})


def sign_in_to_designer(page: Page, live_server: str) -> None:
    """Open the designer signed out: sign in on the staff app's page and come back to it."""
    open_designer(page, live_server, "designer")
    expect(page.get_by_test_id("greeting")).to_contain_text("Trần Thị Thiết Kế")


def open_certified_copy(page: Page, live_server: str) -> None:
    """Sign in to the designer and open the certified copy's model."""
    sign_in_to_designer(page, live_server)
    page.get_by_test_id(f"procedure-{CERTIFIED_COPY}").click()
    expect(page.get_by_test_id("status")).to_contain_text("Đã mở")


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
        versions_restored, page, script_errors, live_server, people, http, tmp_path):
    staff = people
    designer = staff["designer"]
    open_certified_copy(page, live_server)

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
        versions_restored, page, script_errors, live_server, people, http):
    designer = people["designer"]
    open_certified_copy(page, live_server)

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




NEW_STEP_NAME = "Phân loại hồ sơ chứng thực"
NEW_STEP_FORM = "certified_copy/certify"


def context_pad(page: Page, action: str):
    """The entry of the context pad of the selected element, e.g. append.append-task."""
    return page.locator(f'.djs-context-pad [data-action="{action}"]')


def test_a_step_added_in_the_designer_with_its_form_and_budget_opens_on_new_dossiers(
        versions_restored, page, script_errors, live_server, people, http, tmp_path):
    designer = people["designer"]
    open_certified_copy(page, live_server)

    # Put a step between the start and the certification: cut the flow, append a task to
    # the start, make it a user task, connect it to the join before certification.
    # A flow's box is mostly the lane under it: select the flow itself, then use its pad.
    page.evaluate("""() => window.motcuaDesigner.modeler.get('selection').select(
        window.motcuaDesigner.modeler.get('elementRegistry').get('Flow_start'))""")
    context_pad(page, "delete").click()
    page.locator('.djs-element[data-element-id="start"]').click()
    context_pad(page, "append.append-task").click()
    label = page.locator(".djs-direct-editing-parent")
    expect(label).to_be_visible()  # a new task's label is edited at once
    label.press_sequentially(NEW_STEP_NAME)
    label.press("Enter")
    expect(label).to_be_hidden()
    context_pad(page, "replace").click()
    page.locator('[data-id="replace-with-user-task"]').click()
    new_step = page.evaluate(
        "() => window.motcuaDesigner.modeler.get('selection').get()[0].id")
    context_pad(page, "connect").click()
    page.locator('.djs-element[data-element-id="join_certify"]').click()

    # Saved without its form and budget, the step's problems lead to the panel's entries.
    page.get_by_test_id("change-note").fill("Thêm bước phân loại hồ sơ")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("validation-result")).to_have_attribute("data-valid", "false")
    problems = page.get_by_test_id("problem-list").locator(f'li[data-element="{new_step}"]')
    problems.filter(has_text="'form'").click()
    expect(page.locator("#bio-properties-panel-motcua-form")).to_be_focused()
    page.locator("#bio-properties-panel-motcua-form").select_option(NEW_STEP_FORM)
    problems.filter(has_text="budget_hours").click()
    expect(page.locator("#bio-properties-panel-motcua-budget")).to_be_focused()
    # Half a working day, typed as half days, is stored as hours: the deadline is one day.
    page.locator("#bio-properties-panel-motcua-budget-half-days").fill("0,5")
    expect(page.locator("#bio-properties-panel-motcua-budget")).to_have_value("2")
    page.get_by_test_id("properties").screenshot(path=tmp_path / "designer-panel.png")

    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("validation-result")).to_have_attribute("data-valid", "true")
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("status")).to_contain_text("hợp lệ")
    expect(page.get_by_test_id("validation-result")).to_have_attribute("data-valid", "true")
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("status")).to_contain_text(re.compile(r"published version \d+"))
    page.screenshot(path=tmp_path / "designer-new-step.png")

    xml = http.get(f"/api/v1/procedures/{CERTIFIED_COPY}/versions/"
                   f"{page.get_by_test_id('status').get_attribute('data-published')}/bpmn",
                   headers=designer.headers).text
    assert f'<spiffworkflow:property name="form" value="{NEW_STEP_FORM}" />' in xml
    response = receive(http, people["reception"], procedure=CERTIFIED_COPY,
                       form_data=SCENARIOS["certified_copy"]["intake"])
    assert response.status_code == 201, response.text
    [first_step] = response.json()["open_steps"]
    assert (first_step["step"], first_step["step_name"]) == (new_step, NEW_STEP_NAME)
    assert (first_step["form"], first_step["budget_hours"]) == (NEW_STEP_FORM, 2)
    assert script_errors == []


def test_the_page_tells_the_editors_of_each_version_saves_for_them_and_opens_what_they_ask(
        versions_restored, page, script_errors, live_server, people, http):
    sign_in_to_designer(page, live_server)
    page.evaluate("""() => {
        window.heard = [];
        document.addEventListener('motcua:version', (event) => window.heard.push(event.detail));
    }""")
    page.get_by_test_id(f"procedure-{CERTIFIED_COPY}").click()
    expect(page.get_by_test_id("status")).to_contain_text("Đã mở")

    opened = page.evaluate("""async () => {
        const { client, code, version } = window.heard.at(-1);
        const forms = await client.request('GET', 'forms');
        return { code, number: version.number, state: version.state, forms: forms.length };
    }""")
    assert opened["code"] == CERTIFIED_COPY and opened["state"] == "published"
    assert opened["forms"] > 0
    saved = page.evaluate("""async () => {
        const { save, version } = window.heard.at(-1);
        const draft = await save({ meta: version.meta, change_note: 'Từ trình soạn thảo' });
        const last = window.heard.at(-1).version;
        return { number: draft.number, heard: [last.number, last.state], note: last.change_note };
    }""")
    assert saved == {"number": opened["number"] + 1, "heard": [opened["number"] + 1, "draft"],
                     "note": "Từ trình soạn thảo"}
    expect(page.get_by_test_id("validation-result")).to_have_attribute("data-valid", "true")

    page.evaluate("""() => document.dispatchEvent(
        new CustomEvent('motcua:open-procedure', { detail: { code: '1.001193' } }))""")
    expect(page.get_by_test_id("procedure-title")).to_contain_text("1.001193")
    page.wait_for_function("() => window.heard.at(-1).code === '1.001193'")
    assert script_errors == []


def test_a_lane_problem_leads_to_the_lanes_department_and_picking_one_fixes_it(
        versions_restored, page, script_errors, live_server, people, tmp_path):
    open_certified_copy(page, live_server)
    page.evaluate("""() => {
        const modeler = window.motcuaDesigner.modeler;
        const lane = modeler.get('elementRegistry').get('Lane_OFFICE');
        modeler.get('modeling').updateProperties(lane, { name: 'Phòng Tư pháp' });
    }""")
    page.get_by_test_id("change-note").fill("Đổi tên làn")
    page.get_by_test_id("save-draft").click()
    expect(page.get_by_test_id("validation-result")).to_have_attribute("data-valid", "false")

    page.get_by_test_id("problem-list").locator('li[data-element="certify"]').filter(
        has_text="not a department code").click()
    department = page.locator("#bio-properties-panel-motcua-department")
    expect(department).to_be_focused()
    department.select_option("OFFICE")
    page.get_by_test_id("properties").screenshot(path=tmp_path / "designer-lane.png")
    page.get_by_test_id("save-draft").click()

    expect(page.get_by_test_id("validation-result")).to_have_attribute("data-valid", "true")
    assert script_errors == []


def test_a_timer_is_given_a_working_time_expression_from_the_panels_suggestions(
        versions_restored, page, script_errors, live_server, people):
    open_certified_copy(page, live_server)
    timer = page.evaluate("""() => {
        const modeler = window.motcuaDesigner.modeler;
        const registry = modeler.get('elementRegistry');
        const shape = modeler.get('elementFactory').createShape({
            type: 'bpmn:IntermediateCatchEvent', eventDefinitionType: 'bpmn:TimerEventDefinition'});
        const created = modeler.get('modeling').createShape(
            shape, { x: 700, y: 560 }, registry.get('Lane_LEADERSHIP'));
        modeler.get('selection').select(created);
        return created.id;
    }""")

    page.locator("#bio-properties-panel-motcua-timer-helper").select_option("working_days(3)")

    expect(page.locator("#bio-properties-panel-motcua-timer")).to_have_value("working_days(3)")
    xml = page.evaluate("async () => (await window.motcuaDesigner.modeler.saveXML()).xml")
    assert re.search(rf'<bpmn:intermediateCatchEvent id="{timer}">.*?<bpmn:timeDate '
                     r'xsi:type="bpmn:tFormalExpression">working_days\(3\)</bpmn:timeDate>',
                     xml, re.S)
    assert script_errors == []
