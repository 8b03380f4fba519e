"""A supervisor opens a procedure's bottlenecks: bpmn-js draws its diagram with a badge per step.

The browser is Debian's Chromium, driven by Playwright, as in the designer's browser test.
"""

import pytest
from playwright.sync_api import expect

from engine.models import User
from engine.passwords import set_password
from tests.conftest import NOW
from tests.e2e.staff_app import PASSWORD
from tests.e2e.test_bottlenecks import FEBRUARY, HOUSEHOLD, household_steps  # noqa: F401

pytestmark = pytest.mark.one_backend


def test_a_supervisor_sees_the_bottlenecks_drawn_on_the_procedures_diagram(
        page, script_errors, live_server, staff, session, household_steps, tmp_path):  # noqa: F811
    set_password(session, session.get(User, staff["supervisor"].id), PASSWORD, actor="test",
                 now=NOW)
    page.goto(live_server)
    page.get_by_label("Tên đăng nhập").fill("supervisor")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.get_by_test_id("link-dashboard").click()
    page.get_by_label("Từ ngày").fill(FEBRUARY["from"])
    page.get_by_label("Đến ngày").fill(FEBRUARY["to"])
    page.get_by_role("button", name="Xem").click()

    page.get_by_test_id("link-bottlenecks").click()
    page.get_by_label("Thủ tục").select_option(HOUSEHOLD)
    page.get_by_role("button", name="Xem").click()

    diagram = page.get_by_test_id("diagram")
    expect(diagram.locator("svg g[data-element-id='head_approval']")).to_be_visible()
    badges = diagram.locator(".djs-overlay .step-badge")
    expect(badges).to_have_count(3)
    drawn = {badge.get_attribute("data-step"): (badge.get_attribute("class"), badge.inner_text())
             for badge in badges.all()}
    assert {step: (cls, " ".join(text.split())) for step, (cls, text) in drawn.items()} == {
        "head_approval": ("step-badge worst", "Điểm nghẽn lớn nhất Chờ 6 · xử lý 3 / 8 giờ (112%)"),
        "review": ("step-badge within", "Trong định mức Chờ 2 · xử lý 10 / 16 giờ (75%)"),
        "return_result": ("step-badge uncounted",
                          "Không tính vào thời hạn Chờ 0 · xử lý 1 / 8 giờ (12%)"),
    }
    for step in drawn:
        overlay = diagram.locator(f".djs-overlays[data-container-id='{step}'] .step-badge")
        expect(overlay).to_have_count(1)
    expect(page.get_by_test_id("legend")).to_contain_text("Điểm nghẽn lớn nhất")
    expect(page.get_by_test_id("timings").locator("tbody tr").first).to_contain_text(
        "Điểm nghẽn lớn nhất")
    expect(page.get_by_test_id("diagram-error")).to_be_hidden()
    page.screenshot(path=tmp_path / "bottlenecks.png", full_page=True)
    assert script_errors == []
