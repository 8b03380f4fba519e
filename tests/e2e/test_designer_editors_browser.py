"""A designer edits a procedure's forms and metadata, test-runs it and imports models, in the page.

The browser is Debian's Chromium, driven by Playwright.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.designer_page import open_designer
from tests.e2e.staff_app import name_staff
from tests.e2e.test_decision_tables import LAND
from tests.scenarios import PROCEDURE_CODES

COPY = PROCEDURE_CODES["certified_copy"]
HOUSEHOLD = PROCEDURE_CODES["business_household"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
CERTIFY = "certified_copy/certify"
MOMENT = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d")
# A browser is slow to drive: the backend makes no difference to the page, so run once.
pytestmark = pytest.mark.one_backend


@pytest.fixture
def staff(staff, session):
    """The test's staff, the designer with a name and a password to sign in with."""
    return name_staff(session, staff, {"designer": "Trần Thị Thiết Kế"})


@pytest.fixture
def page(new_page):
    """A wide screen, where the diagram and the editors below it fit."""
    return new_page(viewport={"width": 1440, "height": 1000}, locale="vi-VN")


def open_procedure(page: Page, live_server: str, user, code: str) -> None:
    open_designer(page, live_server, user.username)
    page.get_by_test_id(f"procedure-{code}").click()
    expect(page.get_by_test_id("status")).to_contain_text("Đã mở")
    expect(page.get_by_test_id("editors-title")).to_contain_text(code)


def shoot(page: Page, panel, path) -> None:
    """Screenshot the window with the editor panel scrolled into view."""
    panel.scroll_into_view_if_needed()
    page.screenshot(path=path)


def latest(http, user, code: str) -> dict:
    versions = http.get(f"/api/v1/procedures/{code}/versions", headers=user.headers).json()
    number = max(v["number"] for v in versions)
    return http.get(f"/api/v1/procedures/{code}/versions/{number}", headers=user.headers).json()


def test_a_field_with_a_vietnamese_title_and_choices_is_previewed_and_saved_under_a_new_key(
        versions_restored, page, script_errors, live_server, staff, http, tmp_path):
    designer = staff["designer"]
    open_procedure(page, live_server, designer, COPY)
    editors = page.get_by_test_id("editors")

    editors.get_by_test_id(f"form-{CERTIFY}").click()
    expect(editors.get_by_test_id("form-detail").locator("h3")).to_have_text(CERTIFY)
    preview_host = editors.get_by_test_id("form-preview-host")
    expect(preview_host).to_have_attribute("data-rendered", re.compile("."))
    editors.get_by_test_id("copy-form").click()
    editors.get_by_test_id("new-field-title").fill("Hình thức nhận bản sao")
    editors.get_by_test_id("new-field-key").fill("nhan_ban_sao")
    editors.get_by_test_id("new-field-kind").select_option("choice")
    editors.get_by_test_id("add-field").click()
    for index, (value, title) in enumerate([("tai_quay", "Nhận tại quầy"),
                                            ("buu_dien", "Gửi qua bưu điện")]):
        editors.get_by_test_id("add-choice-nhan_ban_sao").click()
        value_input = editors.get_by_test_id(f"choice-value-nhan_ban_sao-{index}")
        value_input.fill(value)
        value_input.dispatch_event("change")
        editors.get_by_test_id(f"choice-title-nhan_ban_sao-{index}").fill(title)
    editors.get_by_test_id("field-required-nhan_ban_sao").check()

    preview = preview_host.locator('[data-testid="field-nhan_ban_sao"]')
    expect(preview).to_contain_text("Hình thức nhận bản sao")
    expect(preview).to_contain_text("Gửi qua bưu điện")
    expect(preview.locator('input[type="radio"]')).to_have_count(2)
    shoot(page, page.get_by_test_id("editor-forms"), tmp_path / "forms-editor.png")
    page.get_by_test_id("change-note").fill("Hỏi hình thức nhận bản sao")
    editors.get_by_test_id("save-forms").click()

    expect(editors.get_by_test_id("form-renamed")).to_contain_text(f"{CERTIFY}_2")
    expect(editors.get_by_test_id(f"form-{CERTIFY}_2")).to_have_class(re.compile("active"))
    page.screenshot(path=tmp_path / "forms-saved.png", full_page=True)
    draft = latest(http, designer, COPY)
    assert (draft["state"], draft["change_note"]) == ("draft", "Hỏi hình thức nhận bản sao")
    field = draft["forms"][f"{CERTIFY}_2"]["properties"]["nhan_ban_sao"]
    assert field == {"type": "string", "title": "Hình thức nhận bản sao",
                     "enum": ["tai_quay", "buu_dien"],
                     "x-enum-titles": {"tai_quay": "Nhận tại quầy",
                                       "buu_dien": "Gửi qua bưu điện"}}
    assert "nhan_ban_sao" in draft["forms"][f"{CERTIFY}_2"]["required"]
    bpmn = http.get(f"/api/v1/procedures/{COPY}/versions/{draft['number']}/bpmn",
                    headers=designer.headers).text
    assert f'value="{CERTIFY}_2"' in bpmn
    assert script_errors == []


def test_the_statutory_deadline_edited_in_the_metadata_is_saved_with_the_draft(
        versions_restored, page, script_errors, live_server, staff, http, tmp_path):
    designer = staff["designer"]
    open_procedure(page, live_server, designer, HOUSEHOLD)
    editors = page.get_by_test_id("editors")

    editors.get_by_test_id("tab-meta").click()
    days = editors.get_by_test_id("meta-working-days")
    expect(days).to_have_value("3")
    days.fill("5")
    days.dispatch_event("change")
    editors.get_by_test_id("meta-cutoff").fill("16:30")
    editors.get_by_test_id("meta-cutoff").dispatch_event("change")
    editors.get_by_test_id("save-meta").click()

    expect(editors.get_by_test_id("meta-status")).to_contain_text("Đã lưu thông tin thủ tục")
    expect(editors.get_by_test_id("meta-working-days")).to_have_value("5")
    shoot(page, page.get_by_test_id("editor-meta"), tmp_path / "meta-editor.png")
    draft = latest(http, designer, HOUSEHOLD)
    assert draft["state"] == "draft"
    assert (draft["meta"]["deadline"]["working_days"], draft["meta"]["deadline"]["cutoff"]) == \
        (5, "16:30")
    assert draft["meta"]["fee"]["kind"] == "flat"
    assert script_errors == []


def test_a_fee_rule_the_engine_refuses_is_shown_on_the_fee_fields(
        versions_restored, page, script_errors, live_server, staff, http):
    designer = staff["designer"]
    open_procedure(page, live_server, designer, HOUSEHOLD)
    editors = page.get_by_test_id("editors")

    editors.get_by_test_id("tab-meta").click()
    amount = editors.get_by_test_id("fee-amount_vnd")
    amount.fill("")
    amount.dispatch_event("change")
    editors.get_by_test_id("save-meta").click()

    problem = editors.get_by_test_id("meta-fee").get_by_test_id("meta-problem-fee")
    expect(problem.first).to_contain_text("amount_vnd")
    expect(editors.get_by_test_id("meta-status")).to_contain_text("còn 1 lỗi")
    assert "amount_vnd" not in latest(http, designer, HOUSEHOLD)["meta"]["fee"]
    assert script_errors == []


def test_the_trial_run_shows_the_path_its_deadlines_and_the_outcome(
        versions_restored, page, script_errors, live_server, staff, tmp_path):
    open_procedure(page, live_server, staff["designer"], HOUSEHOLD)
    editors = page.get_by_test_id("editors")

    editors.get_by_test_id("tab-trial").click()
    editors.get_by_test_id("trial-run").click()

    expect(editors.get_by_test_id("trial-status")).to_contain_text("Đã chạy thử")
    rows = editors.get_by_test_id("trial-path").locator("tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3
    expect(rows.first.locator("td").nth(4)).to_have_text(MOMENT)
    expect(editors.get_by_test_id("trial-outcome")).to_contain_text(
        re.compile("Đúng hạn|Trước hạn|Trễ hạn"))
    expect(editors.get_by_test_id("trial-appointment")).to_contain_text(MOMENT)
    shoot(page, page.get_by_test_id("editor-trial"), tmp_path / "trial-run.png")

    editors.get_by_test_id("tab-migration").click()
    editors.get_by_test_id("migration-plan").click()
    expect(editors.get_by_test_id("migration-status")).to_contain_text("hồ sơ đang giải quyết")
    assert script_errors == []


def test_a_new_procedure_is_created_from_the_generic_pattern_and_opened(
        versions_restored, page, script_errors, live_server, staff, http, tmp_path):
    designer = staff["designer"]
    open_procedure(page, live_server, designer, HOUSEHOLD)
    editors = page.get_by_test_id("editors")

    editors.get_by_test_id("new-procedure").click()
    dialog = page.get_by_test_id("new-procedure-dialog")
    dialog.get_by_test_id("new-procedure-code").fill("MC.TEST.002")
    dialog.get_by_test_id("new-procedure-name-vi").fill("Xác nhận thử nghiệm của xã")
    dialog.get_by_test_id("new-procedure-name-en").fill("Commune test confirmation")
    dialog.get_by_test_id("new-procedure-department").select_option("CULTURE_SOCIAL")
    dialog.get_by_test_id("new-procedure-days").fill("4")
    page.screenshot(path=tmp_path / "new-procedure.png")
    dialog.get_by_test_id("new-procedure-create").click()

    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("procedure-title")).to_contain_text("MC.TEST.002")
    expect(editors.get_by_test_id("editors-title")).to_contain_text("MC.TEST.002 · v1 (draft)")
    versions = http.get("/api/v1/procedures/MC.TEST.002/versions",
                        headers=designer.headers).json()
    assert [(v["number"], v["state"]) for v in versions] == [(1, "draft")]
    draft = http.get("/api/v1/procedures/MC.TEST.002/versions/1", headers=designer.headers).json()
    assert (draft["meta"]["department"], draft["meta"]["deadline"]["working_days"]) == \
        ("CULTURE_SOCIAL", 4)
    assert script_errors == []


def test_a_code_already_used_is_refused_in_the_dialog_and_nothing_is_created(
        versions_restored, page, script_errors, live_server, staff, http):
    open_procedure(page, live_server, staff["designer"], HOUSEHOLD)

    page.get_by_test_id("new-procedure").click()
    dialog = page.get_by_test_id("new-procedure-dialog")
    dialog.get_by_test_id("new-procedure-code").fill(HOUSEHOLD)
    dialog.get_by_test_id("new-procedure-name-vi").fill("Trùng mã")
    dialog.get_by_test_id("new-procedure-name-en").fill("Same code")
    dialog.get_by_test_id("new-procedure-create").click()

    expect(dialog.get_by_test_id("new-procedure-status")).to_contain_text("409")
    expect(dialog).to_be_visible()
    assert len(http.get(f"/api/v1/procedures/{HOUSEHOLD}/versions",
                        headers=staff["designer"].headers).json()) == 1
    assert [e for e in script_errors if "409" not in e] == []


def test_a_camunda_model_is_converted_with_its_report_created_and_opened_in_the_modeler(
        versions_restored, page, script_errors, live_server, staff, http, tmp_path):
    designer = staff["designer"]
    open_procedure(page, live_server, designer, HOUSEHOLD)

    page.get_by_test_id("import-model").click()
    dialog = page.get_by_test_id("import-dialog")
    dialog.get_by_test_id("import-file").set_input_files(FIXTURES / "camunda_leave.bpmn")
    expect(dialog.get_by_test_id("import-code")).to_have_value("household_registration")
    expect(dialog.get_by_test_id("import-name-vi")).to_have_value("Đăng ký hộ kinh doanh (Camunda)")
    dialog.get_by_test_id("import-code").fill("HKD.NHAP")
    dialog.get_by_test_id("import-name-en").fill("Household business registration")
    dialog.get_by_test_id("import-department").select_option("ECONOMIC")
    dialog.get_by_test_id("import-timers").select_option("working")
    for holder, department in {"economic-officers": "ECONOMIC", "chairman": "LEADERSHIP",
                               "reception-desk": "RECEPTION"}.items():
        dialog.get_by_test_id(f"import-map-{holder}").select_option(department)
    dialog.get_by_test_id("import-convert").click()

    entries = dialog.get_by_test_id("import-entry")
    expect(dialog.get_by_test_id("import-status")).to_contain_text("Đã chuyển đổi")
    review = entries.filter(has_text="dueDate 'P2D' became a budget of 16 working hours")
    expect(review).to_contain_text("Đã chuyển đổi")
    expect(review.get_by_test_id("import-entry-where")).to_have_text("dòng 10 · review")
    for where in entries.get_by_test_id("import-entry-where").all():
        expect(where).to_have_text(re.compile(r"^dòng \d+ · \S+$"))
    expect(dialog.get_by_test_id("import-problems").locator("li")).to_have_count(0)
    dialog.get_by_test_id("import-report").scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / "import-report.png")

    dialog.get_by_test_id("import-create").click()

    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("procedure-title")).to_contain_text("HKD.NHAP")
    expect(page.get_by_test_id("editors-title")).to_contain_text("HKD.NHAP · v1 (draft)")
    expect(page.get_by_test_id("canvas").locator("[data-element-id='review']")).to_be_visible()
    # The editors list the imported model's forms, not those of the procedure open before.
    form_list = page.get_by_test_id("editors").get_by_test_id("form-list")
    expect(form_list).to_contain_text("hkd_nhap/review_application")
    expect(form_list).not_to_contain_text("business_household/")
    page.screenshot(path=tmp_path / "import-opened.png")
    versions = http.get("/api/v1/procedures/HKD.NHAP/versions", headers=designer.headers).json()
    assert [(v["number"], v["state"]) for v in versions] == [(1, "draft")]
    draft = http.get("/api/v1/procedures/HKD.NHAP/versions/1", headers=designer.headers).json()
    assert sorted(draft["forms"]) == ["hkd_nhap/intake", "hkd_nhap/remind", "hkd_nhap/request_fix",
                                      "hkd_nhap/review_application", "hkd_nhap/sign"]
    assert (draft["meta"]["name_en"], draft["meta"]["deadline"]) == (
        "Household business registration", {"working_days": 9})
    xml = http.get("/api/v1/procedures/HKD.NHAP/versions/1/bpmn", headers=designer.headers).text
    assert "working_days(3)" in xml
    check = http.post("/api/v1/procedures/HKD.NHAP/versions/1/validate", headers=designer.headers)
    assert check.json() == {"valid": True, "problems": []}
    published = http.post("/api/v1/procedures/HKD.NHAP/versions/1/publish",
                          headers=designer.headers)
    assert published.status_code == 200, published.text
    assert script_errors == []


def test_a_refused_model_shows_its_refusals_with_lines_and_cannot_be_created(
        versions_restored, page, script_errors, live_server, staff, http, tmp_path):
    designer = staff["designer"]
    open_procedure(page, live_server, designer, HOUSEHOLD)
    before = http.get("/api/v1/procedures", headers=designer.headers).json()

    page.get_by_test_id("import-model").click()
    dialog = page.get_by_test_id("import-dialog")
    dialog.get_by_test_id("import-file").set_input_files(FIXTURES / "camunda_refused.bpmn")
    dialog.get_by_test_id("import-convert").click()

    refused = dialog.locator("[data-testid='import-entry'][data-kind='refused']")
    expect(refused).to_have_count(4)
    expect(refused.first).to_contain_text("Không chạy được")
    expect(refused.first.get_by_test_id("import-entry-where")).to_have_text(
        "dòng 5 · fetch_payment")
    expect(dialog.get_by_test_id("import-problems").locator("li").first).to_contain_text("dòng")
    expect(dialog.get_by_test_id("import-create")).to_be_hidden()
    page.screenshot(path=tmp_path / "import-refused.png")
    assert http.get("/api/v1/procedures", headers=designer.headers).json() == before
    assert script_errors == []


def test_the_decision_tables_link_shows_for_a_version_with_tables_and_leads_back(
        page, script_errors, live_server, staff, tmp_path):
    open_procedure(page, live_server, staff["designer"], HOUSEHOLD)
    link = page.get_by_test_id("decision-tables-link")
    expect(link).to_be_hidden()

    page.get_by_test_id(f"procedure-{LAND}").click()
    expect(link).to_be_visible()
    page.screenshot(path=tmp_path / "decision-tables-link.png")
    link.click()

    expect(page).to_have_url(f"{live_server}/thiet-ke/{LAND}/bang-quyet-dinh")
    expect(page.get_by_test_id("decision-editor")).to_be_visible()
    page.get_by_test_id("back-to-designer").click()
    expect(page).to_have_url(f"{live_server}/designer")
    assert [e for e in script_errors if "Inferno" not in e] == []


def test_a_code_already_used_is_refused_at_creation_and_nothing_is_changed(
        versions_restored, page, script_errors, live_server, staff, http):
    designer = staff["designer"]
    open_procedure(page, live_server, designer, HOUSEHOLD)
    versions = f"/api/v1/procedures/{HOUSEHOLD}/versions"
    before = (http.get("/api/v1/procedures", headers=designer.headers).json(),
              http.get(versions, headers=designer.headers).json())

    page.get_by_test_id("import-model").click()
    dialog = page.get_by_test_id("import-dialog")
    dialog.get_by_test_id("import-file").set_input_files(FIXTURES / "simple_flow.bpmn")
    dialog.get_by_test_id("import-code").fill(HOUSEHOLD)
    dialog.get_by_test_id("import-department").select_option("ECONOMIC")
    dialog.get_by_test_id("import-convert").click()
    expect(dialog.get_by_test_id("import-status")).to_contain_text("Đã chuyển đổi")
    dialog.get_by_test_id("import-create").click()

    expect(dialog.get_by_test_id("import-status")).to_contain_text("409")
    expect(dialog).to_be_visible()
    assert (http.get("/api/v1/procedures", headers=designer.headers).json(),
            http.get(versions, headers=designer.headers).json()) == before
    assert [e for e in script_errors if "409" not in e] == []
