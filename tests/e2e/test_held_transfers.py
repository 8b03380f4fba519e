"""Reconciling held transfers over HTTP: listed, applied to a dossier by hand, or dismissed.

A business household registration owes a flat 100.000 ₫ at receipt; the clock stands at
Monday 2 March 2026, 09:00, Hà Nội time.
"""

import pytest
from sqlalchemy import select

from engine.models import AuditEvent
from tests.conftest import snapshot
from tests.e2e.pdf import text_of
from tests.e2e.staff_app import name_staff
from tests.e2e.test_payments import (
    HOUSEHOLD_FEE,
    actions,
    bank,  # noqa: F401 - fixture
    clock,  # noqa: F401 - fixture
    notify,
    payment_of,
    receive_household,
    transfer,
)
from tests.e2e.test_slips import center, slip  # noqa: F401 - fixture

HELD = "/api/v1/payments/held"
REPORT = "/api/v1/reports/payments?from=2026-01-01&to=2030-12-31"
UNREADABLE = "CHUYEN TIEN LE PHI"  # a description that names no dossier


@pytest.fixture
def counter(staff, session, center, bank, clock):  # noqa: F811 - fixtures
    """Reception, named, reconciling the day's transfers."""
    return name_staff(session, staff, {"reception": "Đỗ Thị Hoa"})


def held(http, staff, person: str = "reception") -> list[dict]:
    listed = http.get(HELD, headers=staff[person].headers)
    assert listed.status_code == 200, listed.text
    return listed.json()


def apply(http, staff, held_id: int, code: str, person: str = "reception"):
    return http.post(f"{HELD}/{held_id}/apply", json={"dossier_code": code},
                     headers=staff[person].headers)


def dismiss(http, staff, held_id: int, reason: str, person: str = "reception"):
    return http.post(f"{HELD}/{held_id}/dismiss", json={"reason": reason},
                     headers=staff[person].headers)


def refused(response, status: int, reason: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["details"]["reason"] == reason
    return error


def test_a_transfer_naming_no_dossier_is_applied_by_hand_and_pays_the_fee_once(
        http, counter, session, tmp_path):
    code = receive_household(http, counter)["code"]
    assert notify(http, transfer(code, description=UNREADABLE)).json() == {"outcome": "held"}
    [row] = held(http, counter)
    assert (row["transaction_id"], row["amount_vnd"], row["reason"]) == (
        "FT26061000001", HOUSEHOLD_FEE, "unknown_reference")

    applied = apply(http, counter, row["id"], code)

    assert applied.status_code == 200, applied.text
    assert (applied.json()["resolution"], applied.json()["id"]) == ("applied", row["id"])
    payment = payment_of(http, counter, code).json()
    assert (payment["state"], payment["channel"], payment["transaction_id"]) == (
        "paid", "qr", "FT26061000001")
    assert held(http, counter) == []
    report = http.get(REPORT, headers=counter["supervisor"].headers).json()
    assert ([(r["channel"], r["collected_vnd"]) for r in report["rows"]],
            report["held_transfers"]) == ([("qr", HOUSEHOLD_FEE)], [])
    assert [a for a in actions(session, code) if a.startswith("payment.")] == [
        "payment.opened", "payment.paid", "payment.transfer_applied"]
    before = snapshot(session)
    assert notify(http, transfer(code, description=UNREADABLE)).json() == {
        "outcome": "duplicate"}
    error = refused(apply(http, counter, row["id"], code), 409, "already_resolved")
    assert error["message"] == ("Giao dịch FT26061000001 đã được đối soát trước đó "
                                "(applied).")
    assert snapshot(session) == before
    text = text_of(slip(http, counter["reception"], code, "fee-receipt").content)
    assert "Hình thức nộp: Chuyển khoản VietQR, mã giao dịch FT26061000001" in text
    assert "Người ghi nhận: Đỗ Thị Hoa" in text


def test_a_transfer_of_another_amount_is_refused_and_nothing_changes(http, counter, session):
    code = receive_household(http, counter)["code"]
    notify(http, transfer(code, amount=HOUSEHOLD_FEE - 1_000))
    [row] = held(http, counter)
    assert row["reason"] == "amount_mismatch"
    before = snapshot(session)

    error = refused(apply(http, counter, row["id"], code), 409, "amount_mismatch")

    assert error["code"] == "payment_conflict"
    assert error["message"] == (f"Giao dịch chuyển 99000 đồng nhưng hồ sơ {code} phải nộp "
                                "100000 đồng; không áp dụng được.")
    assert snapshot(session) == before
    assert payment_of(http, counter, code).json()["state"] == "due"


def test_a_dossier_owing_nothing_is_refused_and_nothing_changes(http, counter, session):
    paid, other = (receive_household(http, counter)["code"] for _ in range(2))
    http.post(f"/api/v1/dossiers/{paid}/payment/cash", headers=counter["reception"].headers)
    notify(http, transfer(other, description=UNREADABLE))
    [row] = held(http, counter)
    before = snapshot(session)

    error = refused(apply(http, counter, row["id"], paid), 409, "not_due")

    assert f"Hồ sơ {paid} hiện không có khoản phí, lệ phí chờ nộp" in error["message"]
    assert snapshot(session) == before


def test_a_dismissed_transfer_leaves_the_list_and_stays_recorded(http, counter, session):
    code = receive_household(http, counter)["code"]
    notify(http, transfer(code, description=UNREADABLE))
    [row] = held(http, counter)
    before = snapshot(session)
    assert dismiss(http, counter, row["id"], "").status_code == 422
    assert snapshot(session) == before

    dismissed = dismiss(http, counter, row["id"], "Ngân hàng đã hoàn tiền cho người chuyển.")

    assert dismissed.status_code == 200, dismissed.text
    assert (dismissed.json()["resolution"], dismissed.json()["resolution_note"]) == (
        "dismissed", "Ngân hàng đã hoàn tiền cho người chuyển.")
    assert held(http, counter) == []
    report = http.get(REPORT, headers=counter["supervisor"].headers).json()
    assert [t["reason"] for t in report["held_transfers"]] == ["unknown_reference"]
    assert session.scalars(select(AuditEvent.after).where(
        AuditEvent.action == "payment.transfer_dismissed")).all() == [{
            "transaction_id": "FT26061000001", "amount_vnd": HOUSEHOLD_FEE,
            "reason": "Ngân hàng đã hoàn tiền cho người chuyển."}]
    after = snapshot(session)
    assert notify(http, transfer(code, description=UNREADABLE)).json() == {
        "outcome": "duplicate"}
    refused(dismiss(http, counter, row["id"], "lần nữa"), 409, "already_resolved")
    refused(apply(http, counter, row["id"], code), 409, "already_resolved")
    assert snapshot(session) == after
    assert payment_of(http, counter, code).json()["state"] == "due"


def test_only_reception_and_admins_reconcile_and_an_unknown_transfer_is_404(
        http, counter, session):
    code = receive_household(http, counter)["code"]
    notify(http, transfer(code, description=UNREADABLE))
    row_id = held(http, counter)[0]["id"]
    before = snapshot(session)

    for person in ("office", "supervisor"):
        assert http.get(HELD, headers=counter[person].headers).status_code == 403
        refused(apply(http, counter, row_id, code, person), 403, "collects_no_fees")
        refused(dismiss(http, counter, row_id, "x", person), 403, "collects_no_fees")
    error = refused(apply(http, counter, row_id + 1000, code), 404, "no_held_transfer")
    assert error["message"] == f"Không có giao dịch chờ đối soát số {row_id + 1000}."
    refused(dismiss(http, counter, row_id + 1000, "x"), 404, "no_held_transfer")
    assert http.get(HELD).status_code == 401
    assert http.post(f"{HELD}/{row_id}/apply", json={"dossier_code": code}).status_code == 401
    assert snapshot(session) == before
    assert len(held(http, counter, "admin")) == 1
