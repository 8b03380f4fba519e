"""The payments report: fees collected by procedure and channel, online share, held transfers."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from engine.models import Dossier, HeldTransfer, Payment
from engine.payment_dues import PaymentChannel, PaymentState
from engine.reconciliation import Resolution

# A refunded payment was collected first: it counts, and its amount shows as refunded too.
COLLECTED = (PaymentState.PAID, PaymentState.REFUNDED)


@dataclass(frozen=True)
class CollectedRow:
    """Fees one procedure collected through one channel in the period."""

    procedure_code: str
    channel: str
    payments: int
    collected_vnd: int
    refunded_vnd: int


@dataclass(frozen=True)
class PaymentReport:
    """The period's collections, the share paid online, and the transfers held."""

    rows: list[CollectedRow]
    online_share: float | None
    held_transfers: list[HeldTransfer]
    held_vnd: int


def payment_report(session: Session, *, period_start: datetime,
                   period_end: datetime) -> PaymentReport:
    """Report the payments made in [period_start, period_end) and the transfers held then.

    online_share is the share of those payments made by QR transfer (None when there are
    none); held transfers are those received in the period, whatever their reason, except
    those since applied to a dossier by hand (their payment is counted with the collected).
    """
    refunded = case((Payment.state == PaymentState.REFUNDED, Payment.amount_vnd), else_=0)
    grouped = session.execute(
        select(Dossier.procedure_code, Payment.channel, func.count(),
               func.sum(Payment.amount_vnd), func.sum(refunded))
        .join(Dossier, Dossier.id == Payment.dossier_id)
        .where(Payment.state.in_(COLLECTED), Payment.paid_at >= period_start,
               Payment.paid_at < period_end)
        .group_by(Dossier.procedure_code, Payment.channel)
        .order_by(Dossier.procedure_code, Payment.channel)).all()
    rows = [CollectedRow(procedure_code=code, channel=channel, payments=count,
                         collected_vnd=int(collected or 0), refunded_vnd=int(back or 0))
            for code, channel, count, collected, back in grouped]
    total = sum(row.payments for row in rows)
    online = sum(row.payments for row in rows if row.channel == PaymentChannel.QR)
    held = list(session.scalars(
        select(HeldTransfer).where(HeldTransfer.received_at >= period_start,
                                   HeldTransfer.received_at < period_end,
                                   or_(HeldTransfer.resolution.is_(None),
                                       HeldTransfer.resolution != Resolution.APPLIED))
        .order_by(HeldTransfer.received_at, HeldTransfer.id)))
    return PaymentReport(rows=rows, online_share=online / total if total else None,
                         held_transfers=held, held_vnd=sum(t.amount_vnd for t in held))
