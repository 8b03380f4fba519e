"""Slips in the staff app: the receipt printed with its PIN, the dossier page's links."""

import json
import re

import pytest
import time_machine

from engine.procedures import WORKFLOWS_DIR
from tests.conftest import NOW
from tests.e2e.helpers import APPLICANT, do_step, open_step
from tests.e2e.pdf import text_of
from tests.e2e.staff_app import csrf_token, data_rows, name_staff, sign_in
from tests.e2e.test_reception import BIRTH_FORM, INTAKE_PAGE

BIRTH_STEPS = json.loads((WORKFLOWS_DIR / "birth_registration" / "samples.json")
                         .read_text(encoding="utf-8"))["steps"]


@pytest.fixture
def counter(staff, session):
    """The receptionist and an officer, named, at the counter on Monday 2 March 09:00."""
    named = name_staff(session, staff, {"reception": "Đỗ Thị Hoa", "office": "Trần Văn An"})
    with time_machine.travel(NOW, tick=False):
        yield named


def receive_in_the_app(http) -> tuple[str, str, str]:
    """Receive a birth registration at the counter; return its code, PIN and receipt page."""
    sign_in(http, "reception")
    page = http.get(INTAKE_PAGE)
    receipt = http.post(INTAKE_PAGE, data={**BIRTH_FORM, "csrf_token": csrf_token(page)})
    assert receipt.status_code == 201, receipt.text
    code = re.search(r'data-testid="receipt-code">([^<]+)<', receipt.text).group(1)
    pin = re.search(r'data-testid="receipt-pin">(\d{6})<', receipt.text).group(1)
    return code, pin, receipt.text


def slip_links(page: str) -> list[str]:
    return re.findall(r'data-testid="slip-([a-z-]+)"', page)


def test_the_receipt_page_prints_the_receipt_slip_with_its_pin(http, counter):
    code, pin, receipt = receive_in_the_app(http)
    form = re.search(r'<form method="post" action="([^"]+)"[^>]*data-testid="print-receipt-slip"',
                     receipt)
    assert form, receipt

    printed = http.post(form.group(1), data={"pin": pin, "csrf_token": csrf_token(
        http.get(f"/ho-so/{code}"))})

    assert form.group(1) == f"/ho-so/{code}/phieu/receipt"
    assert printed.status_code == 200, printed.text
    assert printed.headers["Content-Type"] == "application/pdf"
    text = text_of(printed.content)
    assert f"Mã hồ sơ: {code}" in text and APPLICANT["full_name"] in text
    assert f"Mã PIN tra cứu: {pin}" in text
    assert "Đỗ Thị Hoa" in text  # the receiving officer
    assert "Đã nhận 3 thành phần; số hóa 2; tái sử dụng dữ liệu sẵn có 1." in text


def test_a_wrong_pin_posted_from_the_app_is_refused_on_a_page(http, counter, session):
    code, pin, _receipt = receive_in_the_app(http)
    token = csrf_token(http.get(f"/ho-so/{code}"))
    before = data_rows(session)

    refused = http.post(f"/ho-so/{code}/phieu/receipt",
                        data={"pin": "000000" if pin != "000000" else "111111",
                              "csrf_token": token})

    assert refused.status_code == 422
    assert "Mã PIN không khớp với hồ sơ" in refused.text
    assert data_rows(session) == before


def test_the_dossier_page_links_the_slips_its_state_calls_for(http, counter, staff):
    code, _pin, _receipt = receive_in_the_app(http)

    page = http.get(f"/ho-so/{code}")

    assert slip_links(page.text) == ["receipt", "control-sheet"]
    assert f'href="/ho-so/{code}/phieu/control-sheet"' in page.text
    printed = http.get(f"/ho-so/{code}/phieu/control-sheet")
    assert printed.status_code == 200
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text_of(printed.content)
    step = open_step(http, staff["office"], code, "review")
    do_step(http, staff["office"], step["id"], BIRTH_STEPS["review"]["refuse"])
    assert slip_links(http.get(f"/ho-so/{code}").text) == ["receipt", "refusal",
                                                           "control-sheet"]


def test_a_slip_the_state_does_not_call_for_is_refused_on_a_page(http, counter, session):
    code, _pin, _receipt = receive_in_the_app(http)
    before = data_rows(session)

    refused = http.get(f"/ho-so/{code}/phieu/refusal")
    unknown = http.get(f"/ho-so/{code}/phieu/giay-khai-sinh")

    assert refused.status_code == 409
    assert f"Hồ sơ {code} không bị từ chối tiếp nhận." in refused.text
    assert unknown.status_code == 404
    assert data_rows(session) == before


def test_pages_in_english_name_the_forms_by_number(http, counter):
    code, _pin, _receipt = receive_in_the_app(http)

    page = http.get(f"/ho-so/{code}", params={"lang": "en"})

    assert "Print (PDF):" in page.text
    assert "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Form 01)" in page.text


