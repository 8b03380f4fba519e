"""At the counter, the receptionist saves each digitised component's scan under the receipt.

The browser is Debian's Chromium, driven by Playwright, as in the other browser tests.
"""

import hashlib

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.models import Document, User
from engine.passwords import set_password
from tests.conftest import NOW
from tests.e2e.helpers import APPLICANT, BIRTH, BIRTH_INTAKE
from tests.e2e.staff_app import PASSWORD

pytestmark = pytest.mark.one_backend
SCAN = b"%PDF-1.7\n" + b"giay chung sinh " * 100 + b"\n%%EOF\n"


def test_a_receptionist_saves_the_scans_of_digitised_components_and_keeps_the_receipt(
        page, script_errors, live_server, staff, session, app, tmp_path):
    app.config["MOTCUA_DOCUMENTS_DIR"] = str(tmp_path / "documents")
    user = session.get(User, staff["reception"].id)
    set_password(session, user, PASSWORD, actor="test", now=NOW)
    session.commit()
    (tmp_path / "giay-chung-sinh.pdf").write_bytes(SCAN)
    (tmp_path / "chuong-trinh.pdf").write_bytes(b"MZ\x90\x00" + b"\x00" * 100)
    page.goto(live_server)
    page.get_by_label("Tên đăng nhập").fill("reception")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_test_id("sign-in").click()
    page.goto(f"{live_server}/tiep-nhan/{BIRTH}")
    page.get_by_label("Họ, chữ đệm và tên người nộp").fill(APPLICANT["full_name"])
    page.get_by_label("Số định danh cá nhân").fill(APPLICANT["id_number"])
    page.get_by_label("Họ, chữ đệm và tên của trẻ").fill(BIRTH_INTAKE["child_full_name"])
    page.get_by_label("Ngày, tháng, năm sinh").fill(BIRTH_INTAKE["child_date_of_birth"])
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("Nơi sinh", exact=False).fill(BIRTH_INTAKE["child_place_of_birth"])
    page.get_by_label("Họ, chữ đệm và tên người mẹ").fill(BIRTH_INTAKE["mother_full_name"])
    page.get_by_test_id("document-0").get_by_label("Nhận bản giấy").check()
    page.get_by_test_id("document-1").get_by_label("Nhận và số hóa").check()
    page.get_by_test_id("document-2").get_by_label("Tái sử dụng dữ liệu sẵn có").check()
    page.get_by_test_id("document-3").get_by_label("Không có").check()
    page.get_by_test_id("receive").click()
    pin = page.get_by_test_id("receipt-pin").inner_text()

    scan = page.get_by_test_id("scan-1")
    scan.get_by_label("Bản quét (PDF, JPEG, PNG)").set_input_files(tmp_path / "chuong-trinh.pdf")
    scan.get_by_role("button", name="Lưu bản quét").click()
    expect(scan.get_by_role("status")).to_contain_text("Chỉ nhận tệp PDF, JPEG, PNG")
    scan.get_by_label("Bản quét (PDF, JPEG, PNG)").set_input_files(tmp_path / "giay-chung-sinh.pdf")
    scan.get_by_role("button", name="Lưu bản quét").click()

    expect(scan.get_by_role("status")).to_have_text("Đã lưu bản quét.")
    expect(page.get_by_test_id("receipt-pin")).to_have_text(pin)  # the receipt stays on screen
    expect(page.get_by_test_id("scan-0")).to_have_count(0)  # paper: nothing to upload
    page.screenshot(path=tmp_path / "receipt-scans.png", full_page=True)
    session.expire_all()
    stored = session.scalars(select(Document)).all()
    assert [(d.required_document, d.handling, d.sha256) for d in stored] == [
        (1, "digitised", hashlib.sha256(SCAN).hexdigest())]
    # Chromium logs the refused upload's 415 answer as a console error: expected here.
    assert all("415" in error for error in script_errors), script_errors
