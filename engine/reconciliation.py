"""Reconciling transfers held for reconciliation: applied to a dossier by hand, or dismissed.

The bank's notification could not be applied (engine.payments holds it): its reference named
no dossier, its amount was not the amount due, or nothing was due. Reception, or an admin,
finds the dossier it was meant for and applies it, when that dossier's fee is due and the
amounts match; or dismisses it with a reason (refunded by the bank, a transfer to another
account...). Either way the row stays, resolved, so the bank sending it again changes nothing.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.access import check_can_collect_fees
from engine.context import EngineContext
from engine.dossiers import get_dossier_or_raise
from engine.errors import NotFound, PaymentConflict
from engine.models import Dossier, HeldTransfer, User
from engine.payment_dues import PaymentChannel, PaymentState, find_payment
from engine.payments import settle
from engine.unit_of_work import DossierUnitOfWork


class Resolution(StrEnum):
    """How a held transfer was resolved."""

    APPLIED = "applied"
    DISMISSED = "dismissed"


def held_transfers(session: Session, *, user: User) -> list[HeldTransfer]:
    """Return the transfers still held for reconciliation, oldest first."""
    check_can_collect_fees(user)
    return list(session.scalars(select(HeldTransfer).where(HeldTransfer.resolution.is_(None))
                                .order_by(HeldTransfer.received_at, HeldTransfer.id)))


def apply_held(session: Session, ctx: EngineContext, *, held_id: int, code: str, user: User,
               now: datetime) -> HeldTransfer:
    """Pay the fee due on dossier `code` with a held transfer of exactly that amount.

    Raises PaymentConflict (reason not_due, amount_mismatch or already_resolved) and
    changes nothing when the transfer cannot pay that dossier's fee.
    """
    check_can_collect_fees(user)
    dossier = get_dossier_or_raise(session, code, user=user)
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        uow.lock(Dossier.id == dossier.id)
        held = _unresolved(session, held_id)
        payment = find_payment(session, dossier)
        if payment is None or payment.state != PaymentState.DUE:
            raise PaymentConflict(f"dossier {code} owes nothing now", reason="not_due",
                                  dossier=code, held=held_id,
                                  state=None if payment is None else payment.state)
        if held.amount_vnd != payment.amount_vnd:
            raise PaymentConflict(f"transfer {held.transaction_id} is {held.amount_vnd} đồng; "
                                  f"dossier {code} owes {payment.amount_vnd}",
                                  reason="amount_mismatch", dossier=code, held=held_id,
                                  amount_vnd=held.amount_vnd, due_vnd=payment.amount_vnd)
        settle(uow, dossier, payment, channel=PaymentChannel.QR,
               transaction_id=held.transaction_id, paid_at=held.paid_at, actor=user.username,
               by=user.id)
        _resolve(held, Resolution.APPLIED, user=user, now=now)
        held.payment_id = payment.id
        uow.record(audit.Change(actor=user.username, action="payment.transfer_applied",
                                dossier_code=code, before={"held_reason": held.reason},
                                after={"transaction_id": held.transaction_id,
                                       "amount_vnd": held.amount_vnd}))
        uow.commit()
    ctx.due_changed()
    return held


def dismiss_held(session: Session, *, held_id: int, reason: str, user: User,
                 now: datetime) -> HeldTransfer:
    """Take a held transfer off the list with the reason it will not be applied."""
    check_can_collect_fees(user)
    held = _unresolved(session, held_id)
    _resolve(held, Resolution.DISMISSED, user=user, now=now)
    held.resolution_note = reason
    audit.append(session, [audit.Change(
        actor=user.username, action="payment.transfer_dismissed", dossier_code=None,
        before={"held_reason": held.reason},
        after={"transaction_id": held.transaction_id, "amount_vnd": held.amount_vnd,
               "reason": reason})], now=now)
    session.commit()
    return held


def _unresolved(session: Session, held_id: int) -> HeldTransfer:
    """Return the held transfer, locked; refused when there is none or it was resolved."""
    held = session.scalars(select(HeldTransfer).where(HeldTransfer.id == held_id)
                           .with_for_update()
                           .execution_options(populate_existing=True)).one_or_none()
    if held is None:
        raise NotFound(f"no held transfer {held_id}", held=held_id, reason="no_held_transfer")
    if held.resolution is not None:
        raise PaymentConflict(f"transfer {held.transaction_id} was already {held.resolution}",
                              reason="already_resolved", held=held_id,
                              transaction_id=held.transaction_id, resolution=held.resolution)
    return held


def _resolve(held: HeldTransfer, resolution: Resolution, *, user: User, now: datetime) -> None:
    held.resolution, held.resolved_at, held.resolved_by = resolution, now, user.id
