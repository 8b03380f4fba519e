"""One birth registration from the counter to the citizen's phone, each person in a browser.

The receptionist receives it, an officer of OFFICE reviews it with the rendered form (a
wrong value first), the leader signs, the supervisor finds it on the dashboard and the
citizen reads its status on a phone. Debian's Chromium, driven by Playwright.

Each person's page is saved under the test's tmp_path; with MOTCUA_SCREENSHOTS_DIR set
(`make screenshots`), fixed-size shots of them are written there too, for the README.
"""

import io
import os
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image  # Pillow, which matplotlib (the report's PNG chart) depends on
from playwright.sync_api import Page, expect

from tests.e2e.helpers import APPLICANT, BIRTH, BIRTH_INTAKE, REVIEW_APPROVE, open_step
from tests.e2e.staff_app import PASSWORD, name_staff

pytestmark = pytest.mark.one_backend

DESK = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SCREENSHOTS = os.environ.get("MOTCUA_SCREENSHOTS_DIR")
# The people of a commune's one-stop shop, as the staff app greets them.
PEOPLE = {"reception": "Đỗ Thị Hạnh", "office": "Trần Văn An", "leader": "Lê Quang Minh",
          "supervisor": "Phạm Thu Trang"}


def screenshot(page: Page, tmp_path: Path, name: str) -> None:
    """Save the whole page as an artefact; for the README, also what the screen shows."""
    page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        # 256 colours look the same for pages of flat colours and text, at half the bytes.
        shot = Image.open(io.BytesIO(page.screenshot())).quantize(colors=256)
        shot.save(Path(SCREENSHOTS) / f"{name}.png", optimize=True)


def signed_in(new_page, live_server: str, username: str) -> Page:
    """Open the staff app at a desk and sign in as this person."""
    page = new_page(viewport=DESK, locale="vi-VN")
    page.goto(live_server)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    expect(page.get_by_test_id("greeting")).to_have_text(f"Xin chào, {PEOPLE[username]}")
    return page


def receive_at_the_counter(reception: Page, tmp_path: Path) -> tuple[str, str]:
    """The receptionist finds the procedure, takes the dossier in and reads the slip.

    Return the receipt's code and PIN.
    """
    reception.get_by_test_id("link-reception").click()
    reception.get_by_label("Tên hoặc mã thủ tục").fill("khai sinh")
    reception.get_by_test_id("procedure-search").click()
    reception.get_by_test_id(f"intake-{BIRTH}").click()
    reception.get_by_label("Họ, chữ đệm và tên người nộp").fill(APPLICANT["full_name"])
    reception.get_by_label("Số định danh cá nhân").fill(APPLICANT["id_number"])
    reception.get_by_label("Số điện thoại").fill(APPLICANT["phone"])
    reception.get_by_label("Họ, chữ đệm và tên của trẻ").fill(BIRTH_INTAKE["child_full_name"])
    reception.get_by_label("Ngày, tháng, năm sinh").fill(BIRTH_INTAKE["child_date_of_birth"])
    reception.get_by_label("Nam", exact=True).check()
    reception.get_by_label(re.compile(r"^Nơi sinh")).fill(BIRTH_INTAKE["child_place_of_birth"])
    reception.get_by_label("Họ, chữ đệm và tên người mẹ").fill(BIRTH_INTAKE["mother_full_name"])
    # The declaration and the medical birth certificate scanned at the counter, the identity
    # read from the population database, the parents' marriage certificate not brought.
    for document in (0, 1):
        reception.get_by_test_id(f"document-{document}").get_by_label("Nhận và số hóa").check()
    reception.get_by_test_id("document-2").get_by_label("Tái sử dụng dữ liệu sẵn có").check()
    reception.get_by_test_id("document-3").get_by_label("Không có").check()
    reception.get_by_test_id("receive").click()
    code = reception.get_by_test_id("receipt-code").inner_text()
    pin = reception.get_by_test_id("receipt-pin").inner_text()
    screenshot(reception, tmp_path, "1-reception")
    return code, pin


def test_a_birth_registration_goes_from_the_counter_to_the_citizens_phone(
        new_page, script_errors, live_server, http, staff, session, tmp_path):
    name_staff(session, staff, PEOPLE)

    # The receptionist receives the dossier, then finds it again by the applicant's name.
    reception = signed_in(new_page, live_server, "reception")
    code, pin = receive_at_the_counter(reception, tmp_path)
    reception.goto(live_server)
    reception.get_by_test_id("link-find-dossier").click()
    reception.get_by_label("Mã hồ sơ, số định danh hoặc họ tên người nộp").fill("nguyen van binh")
    reception.get_by_role("button", name="Tìm").click()
    expect(reception.get_by_test_id("search-results")).to_contain_text(code)
    expect(reception.get_by_test_id("search-results")).to_contain_text(APPLICANT["full_name"])
    reception.screenshot(path=tmp_path / "dossier-search.png", full_page=True)

    # An officer of OFFICE claims the review, types a wrong ID number, then corrects it.
    review = open_step(http, staff["office"], code, "review")
    officer = signed_in(new_page, live_server, "office")
    officer.get_by_test_id("link-inbox").click()
    expect(officer.get_by_test_id(f"step-{review['id']}")).to_contain_text(code)
    officer.get_by_test_id(f"claim-{review['id']}").click()
    expect(officer.get_by_test_id("step-state")).to_contain_text("Đang xử lý: Trần Văn An")
    officer.get_by_label("Hợp lệ: đã ghi Sổ, trình ký Giấy khai sinh").check()
    officer.get_by_label("Quyển số Sổ đăng ký khai sinh").fill(
        REVIEW_APPROVE["civil_register_book"])
    officer.get_by_label("Số đăng ký khai sinh", exact=True).fill(
        REVIEW_APPROVE["civil_register_entry_number"])
    officer.get_by_label("Số định danh cá nhân của trẻ").fill("03822600005")
    officer.get_by_test_id("complete").click()

    beside_the_field = officer.get_by_test_id("field-personal_id_number").get_by_test_id(
        "error-personal_id_number")
    expect(beside_the_field).to_contain_text("Giá trị không đúng định dạng yêu cầu.")
    expect(officer.get_by_test_id("step-error")).to_contain_text("Biểu mẫu còn lỗi")
    # From who holds the step down to the error: what the README's fixed-size shot shows.
    officer.get_by_test_id("step-state").evaluate("element => element.scrollIntoView()")
    screenshot(officer, tmp_path, "2-officer")
    # Chromium logs the refused form's 422 answer as a console error: expected here.
    assert all("422" in error for error in script_errors), script_errors
    script_errors.clear()
    officer.get_by_label("Số định danh cá nhân của trẻ").fill(
        REVIEW_APPROVE["personal_id_number"])
    officer.get_by_test_id("complete").click()
    expect(officer.get_by_test_id("inbox-done")).to_contain_text(code)

    # The leader finds the birth certificate in the signing queue and signs it.
    sign = open_step(http, staff["leader"], code, "sign")
    leader = signed_in(new_page, live_server, "leader")
    leader.get_by_test_id("link-signing").click()
    queued = leader.get_by_test_id(f"sign-{sign['id']}")
    expect(queued.get_by_test_id(f"giver-{sign['id']}")).to_have_text(PEOPLE["office"])
    queued.get_by_test_id(f"take-{sign['id']}").click()
    expect(leader.get_by_test_id("earlier")).to_contain_text("Kiểm tra hồ sơ, ghi Sổ")
    expect(leader.get_by_test_id("earlier")).to_contain_text(PEOPLE["office"])
    leader.get_by_label("Chủ tịch Ủy ban nhân dân", exact=True).check()
    screenshot(leader, tmp_path, "3-leader")
    leader.get_by_test_id("complete").click()
    expect(leader.get_by_test_id("signing-done")).to_contain_text(code)

    # The supervisor sees it counted on the dashboard, then opens its control sheet.
    supervisor = signed_in(new_page, live_server, "supervisor")
    supervisor.get_by_test_id("link-dashboard").click()
    expect(supervisor.get_by_test_id("headline")).to_contain_text("tiếp nhận 1 hồ sơ")
    supervisor.wait_for_function(
        "() => document.getElementById('on-time-chart').chart !== undefined")
    screenshot(supervisor, tmp_path, "4-supervisor")
    supervisor.goto(f"{live_server}/ho-so/{code}")
    expect(supervisor.get_by_test_id("sheet-facts")).to_contain_text(code)
    expect(supervisor.get_by_test_id("sheet-rows")).to_contain_text("Ký Giấy khai sinh")
    # Form 06 names people and departments as they are called, not by their codes.
    expect(supervisor.get_by_test_id("sheet-facts")).to_contain_text(PEOPLE["reception"])
    expect(supervisor.get_by_test_id("sheet-rows")).to_contain_text(PEOPLE["office"])
    expect(supervisor.get_by_test_id("sheet-rows")).to_contain_text("Văn phòng Hội đồng nhân dân")
    supervisor.screenshot(path=tmp_path / "control-sheet.png", full_page=True)

    # The citizen types the slip's code and PIN on a phone.
    appointment = datetime.fromisoformat(http.get(
        f"/api/v1/dossiers/{code}", headers=staff["supervisor"].headers).json()["appointment_at"])
    citizen = new_page(viewport=PHONE, locale="vi-VN", is_mobile=True, has_touch=True)
    citizen.goto(f"{live_server}/tra-cuu")
    citizen.get_by_label("Mã hồ sơ", exact=True).fill(code)
    citizen.get_by_label("Mã PIN", exact=True).fill(pin)
    citizen.get_by_role("button", name="Tra cứu").click()

    expect(citizen.get_by_test_id("status")).to_have_text("Đã xử lý xong")
    expect(citizen.get_by_test_id("appointment-at")).to_have_text(
        f"{appointment.astimezone(LOCAL):%d/%m/%Y %H:%M}")
    assert citizen.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(citizen, tmp_path, "5-citizen")
    assert script_errors == []
