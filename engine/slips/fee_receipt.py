"""The electronic fee receipt (Biên lai thu phí, lệ phí), once the dossier's fee is paid.

It prints what was paid for (the lines of the fee's computation kept on the dossier), how
(cash at the counter, or a VietQR transfer with the bank's transaction id), when, and who
recorded it; a refunded fee prints the refund, its reason and its time as well.
"""

from dataclasses import dataclass

from sqlalchemy import select

from engine import audit
from engine.errors import SlipNotApplicable
from engine.models import Payment, User
from engine.payment_dues import PaymentChannel, PaymentState, find_payment
from engine.slips.forms import SlipFacts, SlipForm, applicant_fields
from engine.slips.layout import SlipPage, money

BANK_CONFIRMED = "Ngân hàng xác nhận giao dịch (tự động)"


@dataclass(frozen=True)
class Settled:
    """A paid (or since refunded) payment and the names of who recorded its events."""

    payment: Payment
    paid_by: str
    refunded_by: str | None


def _gather(facts: SlipFacts) -> Settled:
    payment = find_payment(facts.session, facts.dossier)
    if payment is None or payment.state not in (PaymentState.PAID, PaymentState.REFUNDED):
        raise SlipNotApplicable(f"dossier {facts.dossier.code}: its fee is not paid",
                                dossier=facts.dossier.code, reason="not_paid")
    actors = {event.action: event.actor for event in audit.history(facts.session,
                                                                     facts.dossier.code)}
    return Settled(payment, paid_by=_recorder(facts, actors.get("payment.paid")),
                   refunded_by=_recorder(facts, actors.get("payment.refunded"))
                   if payment.state == PaymentState.REFUNDED else None)


def _recorder(facts: SlipFacts, username: str | None) -> str:
    """Return the display name of the officer who recorded an event; the bank says so."""
    if username is None:
        return "—"
    user = facts.session.scalars(select(User).where(User.username == username)).one_or_none()
    return user.display_name if user is not None else BANK_CONFIRMED


def _lines(facts: SlipFacts, payment: Payment) -> list[tuple[str, str, str, str]]:
    basis = facts.dossier.fee_basis or {}
    lines = basis.get("lines") or [{"label_vi": "Phí, lệ phí", "quantity": 1,
                                    "unit_vnd": payment.amount_vnd,
                                    "subtotal_vnd": payment.amount_vnd}]
    return [(line["label_vi"], str(line["quantity"]), money(line["unit_vnd"]),
             money(line["subtotal_vnd"])) for line in lines]


def _channel(payment: Payment) -> str:
    if payment.channel == PaymentChannel.CASH:
        return "Tiền mặt tại quầy"
    return f"Chuyển khoản VietQR, mã giao dịch {payment.transaction_id}"


def _write(page: SlipPage, facts: SlipFacts, settled: Settled) -> None:
    payment, center = settled.payment, facts.center
    page.paragraph(f"{center.name} đã thu của:")
    page.field("Người nộp", facts.applicant("full_name"))
    applicant_fields(page, facts, named=False)
    page.field("Địa chỉ", facts.applicant("address"))
    page.paragraph("Nội dung thu:", style="B")
    page.table(("Khoản thu", "Số lượng", "Đơn giá", "Thành tiền"), _lines(facts, payment),
               widths=(85, 20, 35, 35))
    page.field("Số tiền (bằng số)", money(payment.amount_vnd))
    page.field("Hình thức nộp", _channel(payment))
    page.field("Thời điểm nộp", center.moment(payment.paid_at))
    page.field("Mã thanh toán", payment.reference)
    page.field("Người ghi nhận", settled.paid_by)
    if payment.state == PaymentState.REFUNDED:
        page.paragraph(f"Đã hoàn trả {money(payment.amount_vnd)} lúc "
                       f"{center.moment(payment.refunded_at)}.", style="B")
        page.field("Lý do hoàn trả", payment.refund_reason or "—")
        page.field("Người hoàn trả", settled.refunded_by or "—")
    page.signatures(("NGƯỜI NỘP TIỀN", facts.applicant("full_name")),
                    ("NGƯỜI THU TIỀN", settled.paid_by))


FORM = SlipForm(number="01BLP", name="Biên lai thu phí, lệ phí", gather=_gather, write=_write)
