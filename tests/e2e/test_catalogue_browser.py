"""A citizen on a phone finds one procedure among a 432-procedure catalogue by field and words."""

import pytest
from playwright.sync_api import expect

from api.cli_catalogue import catalogue_group
from tests.catalogue_files import catalogue_rows, write_csv
from tests.e2e.browser import WAIT_MS

PHONE = {"width": 360, "height": 740}
pytestmark = pytest.mark.one_backend


def test_a_citizen_narrows_the_catalogue_by_field_and_pages_through_it(
        app, new_page, script_errors, live_server, tmp_path, versions_restored):
    path = write_csv(tmp_path / "danh_muc.csv", catalogue_rows(432))
    assert app.test_cli_runner().invoke(catalogue_group, ["load", str(path)]).exit_code == 0
    page = new_page(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)

    page.goto(f"{live_server}/thu-tuc")
    expect(page.get_by_test_id("catalogue-pages")).to_contain_text("Trang 1/")
    page.get_by_test_id("catalogue-next").click()
    expect(page.get_by_test_id("catalogue-pages")).to_contain_text("Trang 2/", timeout=WAIT_MS)
    page.screenshot(path=tmp_path / "catalogue-page-2.png", full_page=False)
    page.get_by_label("Lĩnh vực").select_option("Đất đai")
    page.get_by_label("Tìm thủ tục").fill("thu nghiem so 17")
    page.get_by_role("button", name="Tìm").click()

    expect(page.get_by_test_id("procedure-TEST.0017")).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_test_id("catalogue-count")).to_have_text("2 thủ tục")  # 17 and 317
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=tmp_path / "catalogue-found.png", full_page=True)
    assert script_errors == []
