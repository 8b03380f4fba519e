"""Fees over HTTP: the VietQR code, the bank's signed notifications, cash, refunds, status 6.

Expected moments are counted by hand in office hours (08:00-12:00, 13:00-17:00, Monday to
Friday, Hà Nội time); March 2026 has no public holiday.
"""

import csv
import hashlib
import hmac
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest
import time_machine
from sqlalchemy import func, select

from engine.calendar import VIETNAM
from engine.due import fire_all_due
from engine.models import AuditEvent, Dossier, ProcedureVersion
from engine.payment_dues import reference_of
from engine.vietqr import crc16_ccitt_false, parse
from tests.conftest import snapshot
from tests.e2e.helpers import open_step, received
from tests.e2e.test_citizen_lookup import look_up
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, WORKER

HOUSEHOLD = PROCEDURE_CODES["business_household"]
HOUSEHOLD_FEE = 100_000
SECRET = "bank-shared-secret"
BANK_BIN, ACCOUNT = "970436", "0011001234567"
NOTIFY = "/api/v1/payments/notifications"
PAID_AT = "2026-03-02T09:30:00+07:00"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Return a moment of March 2026 in Hà Nội."""
    return datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM)


@pytest.fixture
def bank(app):
    """The center's account and the secret the bank signs its notifications with."""
    app.config.update(MOTCUA_PAYMENT_BANK_BIN=BANK_BIN, MOTCUA_PAYMENT_ACCOUNT=ACCOUNT,
                      MOTCUA_PAYMENT_WEBHOOK_SECRET=SECRET)


@pytest.fixture
def clock():
    """Stop the clock at Monday 2 March 2026, 09:00, for the test and its live server."""
    with time_machine.travel(at(2, 9), tick=False) as traveller:
        yield traveller


@pytest.fixture
def household_collects_at_supplement(session):
    """Have the household registration's published version collect its fee at supplement."""
    version = session.scalars(select(ProcedureVersion).where(
        ProcedureVersion.procedure_code == HOUSEHOLD,
        ProcedureVersion.state == "published")).one()
    meta = version.meta
    version.meta = {**meta, "fee": {**meta["fee"], "collect_at": "supplement"}}
    session.commit()
    yield
    session.rollback()
    version = session.get(ProcedureVersion, version.id)
    version.meta = meta
    session.commit()


def receive_household(http, staff) -> dict:
    return received(http, staff["reception"], procedure=HOUSEHOLD,
                    form_data=SCENARIOS["business_household"]["intake"])


def signed(body: dict, secret: str = SECRET) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Motcua-Signature": f"sha256={digest}", "Content-Type": "application/json"}


def notify(http, body: dict, **kwargs) -> httpx.Response:
    raw, headers = signed(body, **kwargs)
    return http.post(NOTIFY, content=raw, headers=headers)


def transfer(code: str, *, transaction_id: str = "FT26061000001", amount: int = HOUSEHOLD_FEE,
             description: str | None = None) -> dict:
    """A notification as a bank sends it: the reference mangled in the description."""
    mangled = reference_of(code).lower().replace("h00", "h00-")
    return {"transaction_id": transaction_id, "amount_vnd": amount,
            "description": description or f"{mangled} nop le phi ho kinh doanh",
            "paid_at": PAID_AT}


def payment_of(http, staff, code: str) -> httpx.Response:
    return http.get(f"/api/v1/dossiers/{code}/payment", headers=staff["reception"].headers)


def actions(session, code: str) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).where(AuditEvent.dossier_code == code)
                                .order_by(AuditEvent.id)))


def test_a_fee_collected_at_receipt_is_due_with_its_vietqr_code(http, staff, bank):
    code = receive_household(http, staff)["code"]

    response = payment_of(http, staff, code)

    assert response.status_code == 200, response.text
    payment = response.json()
    assert (payment["amount_vnd"], payment["state"]) == (HOUSEHOLD_FEE, "due")
    assert payment["reference"] == reference_of(code)
    assert len(payment["reference"]) <= 25
    fields = parse(payment["vietqr_payload"])
    assert parse(parse(fields["38"])["01"]) == {"00": BANK_BIN, "01": ACCOUNT}
    assert fields["54"] == str(HOUSEHOLD_FEE)
    assert parse(fields["62"]) == {"08": reference_of(code)}
    assert fields["63"] == crc16_ccitt_false(payment["vietqr_payload"][:-4])
    image = http.get(f"/api/v1/dossiers/{code}/payment/qr.png",
                     headers=staff["reception"].headers)
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_free_dossier_has_a_waived_payment_and_no_qr_code(http, staff, bank, clock):
    code = received(http, staff["reception"])["code"]  # a birth registered on time, in March

    payment = payment_of(http, staff, code).json()

    assert (payment["amount_vnd"], payment["state"], payment["vietqr_payload"]) == (
        0, "waived", None)
    image = http.get(f"/api/v1/dossiers/{code}/payment/qr.png",
                     headers=staff["reception"].headers)
    assert image.status_code == 404
    assert image.json()["error"]["details"]["reason"] == "no_qr"


def test_the_banks_notification_pays_the_fee_once(http, staff, session, bank):
    code = receive_household(http, staff)["code"]

    applied = notify(http, transfer(code))

    assert applied.status_code == 200, applied.text
    assert applied.json() == {"outcome": "applied"}
    payment = payment_of(http, staff, code).json()
    assert (payment["state"], payment["channel"], payment["transaction_id"]) == (
        "paid", "qr", "FT26061000001")
    assert datetime.fromisoformat(payment["paid_at"]) == datetime.fromisoformat(PAID_AT)
    assert payment["vietqr_payload"] is None
    before = snapshot(session)
    replay = notify(http, transfer(code))
    assert replay.status_code == 200
    assert replay.json() == {"outcome": "duplicate"}
    assert snapshot(session) == before
    assert actions(session, code).count("payment.paid") == 1


@pytest.mark.parametrize("headers", [
    {},
    {"X-Motcua-Signature": "sha256=" + "0" * 64},
    {"X-Motcua-Signature": "md5=abc"},
], ids=["missing", "wrong", "not_sha256"])
def test_an_unsigned_or_badly_signed_notification_is_refused_and_changes_nothing(
        http, staff, session, bank, headers):
    code = receive_household(http, staff)["code"]
    before = snapshot(session)

    refused = http.post(NOTIFY, content=json.dumps(transfer(code)).encode(),
                        headers={"Content-Type": "application/json", **headers})

    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert snapshot(session) == before


def test_a_notification_signed_with_another_secret_or_altered_is_refused(
        http, staff, session, bank):
    code = receive_household(http, staff)["code"]
    before = snapshot(session)
    raw, headers = signed(transfer(code))

    assert notify(http, transfer(code), secret="not-the-secret").status_code == 401
    assert http.post(NOTIFY, content=raw.replace(b"100000", b"100001"),
                     headers=headers).status_code == 401
    assert snapshot(session) == before
    assert payment_of(http, staff, code).json()["state"] == "due"


def test_without_a_configured_secret_every_notification_is_refused(http, staff, app):
    code = receive_household(http, staff)["code"]

    assert notify(http, transfer(code), secret="").status_code == 401


def test_a_wrong_amount_is_held_for_reconciliation_not_applied(http, staff, session, bank):
    code = receive_household(http, staff)["code"]

    held = notify(http, transfer(code, amount=HOUSEHOLD_FEE - 1_000))

    assert held.json() == {"outcome": "held"}
    assert payment_of(http, staff, code).json()["state"] == "due"
    report = http.get("/api/v1/reports/payments?from=2026-01-01&to=2030-12-31",
                      headers=staff["supervisor"].headers).json()
    assert [(t["transaction_id"], t["amount_vnd"], t["reason"])
            for t in report["held_transfers"]] == [("FT26061000001", 99_000, "amount_mismatch")]
    assert "payment.transfer_held" in actions(session, code)


def test_a_transfer_naming_no_dossier_is_held(http, staff, session, bank):
    code = receive_household(http, staff)["code"]

    held = notify(http, transfer(code, description="MC9999999X99 nop tien"))

    assert held.json() == {"outcome": "held"}
    assert payment_of(http, staff, code).json()["state"] == "due"
    report = http.get("/api/v1/reports/payments?from=2026-01-01&to=2030-12-31",
                      headers=staff["supervisor"].headers).json()
    assert [t["reason"] for t in report["held_transfers"]] == ["unknown_reference"]
    assert notify(http, transfer(code, description="MC9999999X99")).json() == {
        "outcome": "duplicate"}


def test_a_malformed_notification_is_refused_with_422_and_changes_nothing(
        http, staff, session, bank):
    code = receive_household(http, staff)["code"]
    before = snapshot(session)

    refused = notify(http, {**transfer(code), "amount_vnd": "100000"})

    assert refused.status_code == 422
    assert snapshot(session) == before


def test_reception_records_cash_and_refunds_it_with_a_reason(http, staff, session, bank):
    code = receive_household(http, staff)["code"]
    reception = staff["reception"].headers
    before = snapshot(session)
    assert http.post(f"/api/v1/dossiers/{code}/payment/cash",
                     headers=staff["office"].headers).status_code == 403
    too_soon = http.post(f"/api/v1/dossiers/{code}/payment/refund", json={"reason": "x"},
                         headers=reception)
    assert (too_soon.status_code, too_soon.json()["error"]["code"]) == (409, "payment_conflict")
    assert snapshot(session) == before

    cash = http.post(f"/api/v1/dossiers/{code}/payment/cash", headers=reception)

    assert cash.status_code == 200, cash.text
    assert (cash.json()["state"], cash.json()["channel"]) == ("paid", "cash")
    again = http.post(f"/api/v1/dossiers/{code}/payment/cash", headers=reception)
    assert again.status_code == 409
    assert notify(http, transfer(code)).json() == {"outcome": "held"}  # nothing was due
    no_reason = http.post(f"/api/v1/dossiers/{code}/payment/refund", json={"reason": ""},
                          headers=reception)
    assert no_reason.status_code == 422
    refunded = http.post(f"/api/v1/dossiers/{code}/payment/refund",
                         json={"reason": "Hồ sơ bị từ chối, hoàn lệ phí."}, headers=reception)
    assert refunded.status_code == 200, refunded.text
    assert (refunded.json()["state"], refunded.json()["refund_reason"]) == (
        "refunded", "Hồ sơ bị từ chối, hoàn lệ phí.")
    assert [a for a in actions(session, code) if a.startswith("payment.")] == [
        "payment.opened", "payment.paid", "payment.transfer_held", "payment.refunded"]


def test_the_payments_report_counts_by_procedure_and_channel_with_the_online_share(
        http, staff, bank):
    by_qr, by_cash = (receive_household(http, staff)["code"] for _ in range(2))
    notify(http, transfer(by_qr))
    http.post(f"/api/v1/dossiers/{by_cash}/payment/cash", headers=staff["reception"].headers)
    url = "/api/v1/reports/payments?from=2026-01-01&to=2030-12-31"

    report = http.get(url, headers=staff["supervisor"].headers)

    assert report.status_code == 200, report.text
    body = report.json()
    assert [(r["procedure_code"], r["channel"], r["payments"], r["collected_vnd"])
            for r in body["rows"]] == [(HOUSEHOLD, "cash", 1, HOUSEHOLD_FEE),
                                       (HOUSEHOLD, "qr", 1, HOUSEHOLD_FEE)]
    assert body["online_share"] == 0.5
    assert (body["held_transfers"], body["held_vnd"]) == ([], 0)
    as_csv = http.get(url + "&format=csv", headers=staff["supervisor"].headers)
    rows = list(csv.reader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert rows[0] == ["procedure_code", "channel", "payments", "collected_vnd", "refunded_vnd"]
    assert len(rows) == 3
    assert http.get(url, headers=staff["office"].headers).status_code == 403


def test_a_fee_collected_at_receipt_cannot_be_requested(http, staff, session, bank):
    code = receive_household(http, staff)["code"]
    before = snapshot(session)

    refused = http.post(f"/api/v1/dossiers/{code}/payment/request",
                        headers=staff["reception"].headers)

    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["reason"] == "collected_at_receipt"
    assert snapshot(session) == before


def work(http, staff, code: str, step: str, form_data: dict) -> httpx.Response:
    """Have the right member of staff claim the step and try to complete it."""
    task = open_step(http, staff["supervisor"], code, step)
    person = staff[WORKER[(task["department"], task["required_role"])]]
    http.post(f"/api/v1/tasks/{task['id']}/claim", headers=person.headers)
    return http.post(f"/api/v1/tasks/{task['id']}/complete", json={"form_data": form_data},
                     headers=person.headers)


def test_waiting_for_the_fee_is_status_6_with_the_clock_paused_then_resumed_where_it_stopped(
        http, staff, session, app, bank, clock, household_collects_at_supplement):
    reception = staff["reception"].headers
    receipt = receive_household(http, staff)
    code = receipt["code"]
    assert datetime.fromisoformat(receipt["appointment_at"]) == at(5, 9)  # 24 working hours
    assert payment_of(http, staff, code).status_code == 404  # nothing asked for yet
    clock.move_to(at(2, 11))

    asked = http.post(f"/api/v1/dossiers/{code}/payment/request", headers=reception)

    assert asked.status_code == 201, asked.text
    assert (asked.json()["state"], asked.json()["amount_vnd"]) == ("due", HOUSEHOLD_FEE)
    waiting = http.get(f"/api/v1/dossiers/{code}", headers=reception).json()
    assert waiting["status"] == 6
    assert waiting["clock_paused"] is True
    paused = session.scalars(select(AuditEvent.after).where(
        AuditEvent.dossier_code == code, AuditEvent.action == "deadline.paused")).one()
    # Mon 11-12 and 13-17 (5), Tue and Wed (16), Thu 08-09 (1): 22 hours were left.
    assert paused == {"reason": "payment", "remaining_hours": 22}
    assert http.post(f"/api/v1/dossiers/{code}/payment/request",
                     headers=reception).status_code == 409
    blocked = work(http, staff, code, "review", SCENARIOS["business_household"]["happy"][0][1])
    assert blocked.status_code == 409
    assert blocked.json()["error"]["details"]["reason"] == "awaiting_payment"
    # Past the 15 working days that close an unanswered supplement, the dossier still waits.
    clock.move_to(at(24, 9))
    fire_all_due(session, app.extensions["motcua"], now=at(24, 9))
    assert http.get(f"/api/v1/dossiers/{code}", headers=reception).json()["status"] == 6
    clock.move_to(at(24, 10))

    paid = notify(http, transfer(code))

    assert paid.json() == {"outcome": "applied"}
    dossier = http.get(f"/api/v1/dossiers/{code}", headers=reception).json()
    assert dossier["status"] == receipt["status"]
    assert dossier["clock_paused"] is False
    # The 22 hours resume Tue 24 Mar 10:00: Tue (6), Wed (8), Thu (8) → Thu 26 Mar 17:00.
    assert datetime.fromisoformat(dossier["appointment_at"]) == at(26, 17)
    events = actions(session, code)
    assert "deadline.resumed" in events and "deadline.restarted" not in events
    statuses = [(e.before, e.after) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.dossier_code == code,
                                 AuditEvent.action == "dossier.status_changed"))]
    assert statuses[-2:] == [({"status": receipt["status"]}, {"status": 6}),
                        ({"status": 6}, {"status": receipt["status"]})]
    assert work(http, staff, code, "review",
                SCENARIOS["business_household"]["happy"][0][1]).status_code == 200


def test_two_servers_receiving_the_same_notification_at_once_pay_once(
        pg_only, http, live_server, staff, session, bank):
    code = receive_household(http, staff)["code"]
    raw, headers = signed(transfer(code))

    def send(_):
        with httpx.Client(base_url=live_server, timeout=30) as client:
            return client.post(NOTIFY, content=raw, headers=headers)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(send, range(4)))

    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert sorted(a.json()["outcome"] for a in answers) == [
        "applied", "duplicate", "duplicate", "duplicate"]
    assert payment_of(http, staff, code).json()["state"] == "paid"
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.dossier_code == code, AuditEvent.action == "payment.paid")) == 1
    assert session.scalar(select(Dossier.status).where(Dossier.code == code)) != 6


def test_the_citizen_page_shows_the_amount_and_the_qr_code_while_the_fee_is_due(
        http, staff, bank):
    receipt = receive_household(http, staff)
    code, pin = receipt["code"], receipt["pin"]

    page = look_up(http, code, pin)

    assert page.status_code == 200, page.text
    assert 'data-testid="payment-amount"><strong>100.000' in page.text
    assert reference_of(code) in page.text
    assert 'data-testid="payment-qr"' in page.text
    assert 'src="data:image/png;base64,' in page.text
    notify(http, transfer(code))
    paid = look_up(http, code, pin)
    assert 'data-testid="payment-amount"' not in paid.text
    assert 'data-testid="payment-qr"' not in paid.text
