"""A designer imports a Camunda Modeler model from the designer page and opens its tables.

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

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
HOUSEHOLD = PROCEDURE_CODES["business_household"]
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
    expect(page.get_by_test_id("editors-title")).to_contain_text(code)


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
