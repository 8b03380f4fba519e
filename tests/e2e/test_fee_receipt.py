"""The electronic fee receipt (biên lai thu phí, lệ phí) over HTTP, read back with pdftotext.

A business household registration owes a flat 100.000 ₫ at receipt (its shipped fee rule);
the clock stands at Monday 2 March 2026, 09:00, Hà Nội time.
"""

import re

import pytest

from tests.conftest import snapshot
from tests.e2e.helpers import received
from tests.e2e.staff_app import name_staff, sign_in
from tests.e2e.test_payments import (
    at,
    bank,  # noqa: F401 - fixture
    clock,  # noqa: F401 - fixture
    notify,
    receive_household,
    transfer,
)
from tests.e2e.test_slips import assert_slip, center, pdf_of, slip  # noqa: F401 - fixture

TITLE = "BIÊN LAI THU PHÍ, LỆ PHÍ"
REFUND_REASON = "Hồ sơ bị từ chối, hoàn lệ phí."


@pytest.fixture
def counter(staff, session, center, bank, clock):  # noqa: F811 - fixtures
    """Reception, named, collecting fees at the counter."""
    return name_staff(session, staff, {"reception": "Đỗ Thị Hoa",
                                       "reception2": "Phạm Văn Lộc"})


def paid_in_cash(http, staff) -> tuple[str, dict]:
    code = receive_household(http, staff)["code"]
    cash = http.post(f"/api/v1/dossiers/{code}/payment/cash",
                     headers=staff["reception"].headers)
    assert cash.status_code == 200, cash.text
    return code, cash.json()


def fee_receipt(http, staff, code: str, tmp_path, person: str = "reception") -> str:
    pdf = pdf_of(slip(http, staff[person], code, "fee-receipt"), "fee-receipt", code)
    return assert_slip(pdf, tmp_path, code=code, title=TITLE, number="01BLP")


def test_cash_at_the_counter_prints_a_receipt_with_the_fee_lines_and_who_took_it(
        http, counter, tmp_path):
    code, answer = paid_in_cash(http, counter)

    assert answer["fee_receipt_url"] == f"/api/v1/dossiers/{code}/slips/fee-receipt"
    text = fee_receipt(http, counter, code, tmp_path)
    for expected in ("Người nộp: Nguyễn Văn Bình", "Số định danh cá nhân: 038090001234",
                     "Thủ tục: Đăng ký thành lập hộ kinh doanh (MC.HKD.001)",
                     # pdftotext reads the table's one line column by column
                     "Khoản thu Lệ phí đăng ký hộ kinh doanh", "Số lượng 1",
                     "Đơn giá 100.000 ₫", "Thành tiền 100.000 ₫",
                     "Số tiền (bằng số): 100.000 ₫",
                     "Hình thức nộp: Tiền mặt tại quầy",
                     "Thời điểm nộp: 02/03/2026 09:00",
                     "Người ghi nhận: Đỗ Thị Hoa",
                     "NGƯỜI NỘP TIỀN", "NGƯỜI THU TIỀN"):
        assert expected in text, f"{expected!r} not in:\n{text}"
    assert "hoàn trả" not in text


def test_a_vietqr_transfer_prints_the_banks_transaction_id_and_when_it_was_paid(
        http, counter, tmp_path):
    code = receive_household(http, counter)["code"]
    assert notify(http, transfer(code)).json() == {"outcome": "applied"}

    paid = http.get(f"/api/v1/dossiers/{code}/payment", headers=counter["reception"].headers)

    assert paid.json()["fee_receipt_url"] == f"/api/v1/dossiers/{code}/slips/fee-receipt"
    text = fee_receipt(http, counter, code, tmp_path)
    assert "Hình thức nộp: Chuyển khoản VietQR, mã giao dịch FT26061000001" in text
    assert "Thời điểm nộp: 02/03/2026 09:30" in text
    assert "Người ghi nhận: Ngân hàng xác nhận giao dịch (tự động)" in text
    assert "Số tiền (bằng số): 100.000 ₫" in text


def test_a_refunded_fee_prints_the_refund_its_reason_and_time(
        http, counter, clock, tmp_path):  # noqa: F811 - fixture
    code, _answer = paid_in_cash(http, counter)
    clock.move_to(at(2, 10, 15))
    refunded = http.post(f"/api/v1/dossiers/{code}/payment/refund",
                         json={"reason": REFUND_REASON}, headers=counter["reception2"].headers)
    assert refunded.status_code == 200, refunded.text
    assert refunded.json()["fee_receipt_url"] == f"/api/v1/dossiers/{code}/slips/fee-receipt"

    text = fee_receipt(http, counter, code, tmp_path)

    for expected in ("Thời điểm nộp: 02/03/2026 09:00", "Người ghi nhận: Đỗ Thị Hoa",
                     "Đã hoàn trả 100.000 ₫ lúc 02/03/2026 10:15.",
                     f"Lý do hoàn trả: {REFUND_REASON}", "Người hoàn trả: Phạm Văn Lộc"):
        assert expected in text, f"{expected!r} not in:\n{text}"


@pytest.mark.parametrize("fee", ["due", "waived"])
def test_no_receipt_before_the_fee_is_paid_409_not_paid_and_nothing_changes(
        http, counter, session, fee):
    code = (receive_household(http, counter) if fee == "due"
            else received(http, counter["reception"]))["code"]
    payment = http.get(f"/api/v1/dossiers/{code}/payment", headers=counter["reception"].headers)
    assert (payment.json()["state"], payment.json()["fee_receipt_url"]) == (fee, None)
    before = snapshot(session)

    refused = slip(http, counter["reception"], code, "fee-receipt")

    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert (error["code"], error["details"]["reason"]) == ("slip_not_applicable", "not_paid")
    assert error["message"] == f"Hồ sơ {code} chưa nộp phí, lệ phí nên chưa có biên lai."
    assert snapshot(session) == before


def test_the_dossier_page_links_the_fee_receipt_once_paid(http, counter):
    code = receive_household(http, counter)["code"]
    sign_in(http, "reception")
    links = re.compile(r'data-testid="slip-([a-z-]+)"')
    assert "fee-receipt" not in links.findall(http.get(f"/ho-so/{code}").text)
    http.post(f"/api/v1/dossiers/{code}/payment/cash", headers=counter["reception"].headers)

    page = http.get(f"/ho-so/{code}").text

    assert links.findall(page)[-1] == "fee-receipt"
    assert f'href="/ho-so/{code}/phieu/fee-receipt"' in page
    assert "Biên lai thu phí, lệ phí (Mẫu 01BLP)" in page
    printed = http.get(f"/ho-so/{code}/phieu/fee-receipt")
    assert printed.status_code == 200
    assert printed.headers["Content-Type"] == "application/pdf"
