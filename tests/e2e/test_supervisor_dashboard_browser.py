"""A supervisor opens the dashboard, Chart.js draws the chart; they find a dossier's Form 06.

The browser is Debian's Chromium, driven by Playwright, as in the designer's browser test.
"""

import pytest
from playwright.sync_api import expect

from engine.models import User
from engine.passwords import set_password
from tests.conftest import NOW
from tests.e2e.staff_app import PASSWORD
from tests.e2e.test_supervisor_dashboard import complete_birth

pytestmark = pytest.mark.one_backend


def test_a_supervisor_opens_the_dashboard_and_the_chart_is_drawn(
        page, script_errors, live_server, http, staff, session, tmp_path):
    code = complete_birth(http, staff)
    user = session.get(User, staff["supervisor"].id)
    user.full_name = "Phạm Thị Giám"
    set_password(session, user, PASSWORD, actor="test", now=NOW)

    page.goto(live_server)
    page.get_by_label("Tên đăng nhập").fill("supervisor")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.get_by_test_id("link-dashboard").click()

    expect(page.get_by_test_id("headline")).to_contain_text("tiếp nhận 1 hồ sơ")
    page.wait_for_function("() => document.getElementById('on-time-chart').chart !== undefined")
    drawn = page.evaluate("""() => {
        const chart = document.getElementById('on-time-chart').chart;
        return {version: Chart.version, labels: chart.data.labels,
                values: chart.data.datasets.map((d) => d.data),
                width: chart.width, height: chart.height};
    }""")
    assert drawn["version"].startswith("4.")
    assert len(drawn["labels"]) == 1 and drawn["values"] == [[100]]
    assert drawn["width"] > 300 and drawn["height"] > 100
    expect(page.get_by_test_id("chart-empty")).to_be_hidden()
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)

    page.goto(f"{live_server}/ho-so")
    page.get_by_label("Mã hồ sơ, số định danh hoặc họ tên người nộp").fill("nguyen van binh")
    page.get_by_label("Mã hồ sơ, số định danh hoặc họ tên người nộp").press("Enter")
    expect(page.get_by_test_id("search-results")).to_contain_text("Nguyễn Văn Bình")
    page.screenshot(path=tmp_path / "search.png", full_page=True)
    page.get_by_role("link", name=code).click()
    expect(page.get_by_test_id("sheet-facts")).to_contain_text(code)
    page.screenshot(path=tmp_path / "control-sheet.png", full_page=True)
    assert script_errors == []
