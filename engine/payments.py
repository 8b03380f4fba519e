"""A dossier's payment: asked for, paid by QR transfer or in cash, refunded; status 6.

While a dossier waits for its payment its status is 6, held above the workflow, and its
statutory clock is paused; once paid it takes the status its workflow gives again and the
clock resumes where it stopped. The 15 working days after which an unanswered supplement
closes a dossier do not apply. Steps cannot be completed while the status is 6
(engine.tasks): the law wants the fee paid before the result is returned, and a procedure
collecting at supplement waits for the money before it goes on.

The bank confirms transfers with a notification: a transaction is applied once whatever
how many times it is sent, and one that cannot be applied (no dossier has its reference,
the amount is not what is due, nothing is due) is held for reconciliation.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from engine.access import check_can_collect_fees
from engine.context import EngineContext
from engine.dossier_versions import dossier_version
from engine.dossiers import get_dossier_or_raise
from engine.errors import PaymentConflict, PaymentNotFound
from engine.models import Dossier, HeldTransfer, Payment, User
from engine.payment_dues import (
    CollectAt,
    PaymentChannel,
    PaymentState,
    collect_at,
    find_payment,
    open_payment,
    references_in,
)
from engine.status_history import change_status
from engine.statuses import DossierStatus
from engine.unit_of_work import DossierUnitOfWork

BANK = "bank"
# Where a dossier may be asked to pay: being processed (at supplement), or processed (at return).
REQUESTABLE_IN = {CollectAt.SUPPLEMENT: {DossierStatus.ACCEPTED, DossierStatus.PROCESSING},
                  CollectAt.RETURN: {DossierStatus.PROCESSED}}


@dataclass(frozen=True)
class Transfer:
    """A transfer the bank confirms: its id, amount, description and when it was made."""

    transaction_id: str
    amount_vnd: int
    description: str
    paid_at: datetime


class TransferOutcome(StrEnum):
    """What a bank notification did."""

    APPLIED = "applied"
    HELD = "held"
    DUPLICATE = "duplicate"


class HoldReason(StrEnum):
    """Why a transfer was held for reconciliation instead of applied."""

    UNKNOWN_REFERENCE = "unknown_reference"
    AMOUNT_MISMATCH = "amount_mismatch"
    NOT_DUE = "not_due"


def get_payment_or_raise(session: Session, code: str, *, user: User) -> tuple[Dossier, Payment]:
    """Return a dossier the user may see and its payment."""
    dossier = get_dossier_or_raise(session, code, user=user)
    payment = find_payment(session, dossier)
    if payment is None:
        raise PaymentNotFound(f"dossier {code} has no payment: nothing is due yet", code=code)
    return dossier, payment


def request_payment(session: Session, ctx: EngineContext, *, code: str, user: User,
                    now: datetime) -> Payment:
    """Ask the citizen for the fee of a procedure collecting at supplement or at return.

    The dossier's status becomes 6 and its clock pauses until the payment arrives.
    """
    with _collecting(session, ctx, code=code, user=user, now=now) as uow:
        dossier = uow.dossier
        when = collect_at(dossier_version(session, dossier).meta["fee"])
        if when == CollectAt.RECEIPT:
            raise PaymentConflict(f"dossier {code}'s procedure collects its fee at receipt",
                                  reason="collected_at_receipt", dossier=code)
        if find_payment(session, dossier) is not None:
            raise PaymentConflict(f"dossier {code} was already asked to pay",
                                  reason="already_requested", dossier=code)
        if dossier.status not in REQUESTABLE_IN[when]:
            raise PaymentConflict(f"dossier {code} is in status {dossier.status}; its procedure "
                                  f"collects at {when}", reason="not_now", dossier=code,
                                  status=dossier.status)
        payment, opened = open_payment(session, dossier, actor=user.username, now=now)
        uow.record(opened)
        if payment.state == PaymentState.DUE:
            _set_status(uow, dossier, DossierStatus.PAYMENT_REQUESTED, actor=user.username,
                        by=user.id)
            _project_workflow(uow, actor=user.username, by=user.id)
        uow.commit()
    ctx.due_changed()
    return payment


def record_cash(session: Session, ctx: EngineContext, *, code: str, user: User,
                now: datetime) -> Payment:
    """Record that the citizen paid the amount due in cash at the counter."""
    with _collecting(session, ctx, code=code, user=user, now=now) as uow:
        dossier = uow.dossier
        payment = _payment_in(session, dossier, PaymentState.DUE)
        settle(uow, dossier, payment, channel=PaymentChannel.CASH, transaction_id=None,
                paid_at=now, actor=user.username, by=user.id)
        uow.commit()
    ctx.due_changed()
    return payment


def refund(session: Session, ctx: EngineContext, *, code: str, reason: str, user: User,
           now: datetime) -> Payment:
    """Refund a paid fee, with the reason the citizen is given."""
    with _collecting(session, ctx, code=code, user=user, now=now) as uow:
        dossier = uow.dossier
        payment = _payment_in(session, dossier, PaymentState.PAID)
        payment.state, payment.refunded_at = PaymentState.REFUNDED, now
        payment.refund_reason, payment.recorded_by = reason, user.id
        uow.record(audit.Change(actor=user.username, action="payment.refunded",
                                dossier_code=dossier.code,
                                before={"state": PaymentState.PAID},
                                after={"state": PaymentState.REFUNDED, "reason": reason,
                                       "amount_vnd": payment.amount_vnd}))
        uow.commit()
    return payment


@contextmanager
def _collecting(session: Session, ctx: EngineContext, *, code: str, user: User,
                now: datetime) -> Iterator[DossierUnitOfWork]:
    """Open the unit of work of a fee collected by reception, on the locked dossier."""
    check_can_collect_fees(user)
    dossier = get_dossier_or_raise(session, code, user=user)
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        uow.lock(Dossier.id == dossier.id)
        yield uow


def receive_transfer(session: Session, ctx: EngineContext, *, transfer: Transfer,
                     now: datetime) -> TransferOutcome:
    """Apply a transfer the bank confirms to the payment its description names, once.

    A transaction already seen changes nothing. Two notifications of one transaction racing
    meet at the dossier's lock (or the transaction id's unique keys): one applies it.
    """
    if _seen(session, transfer.transaction_id):
        return TransferOutcome.DUPLICATE
    payment = session.scalars(select(Payment).where(
        Payment.reference.in_(references_in(transfer.description)))).first()
    try:
        if payment is None:
            return _hold_unmatched(session, transfer, now=now)
        return _apply(session, ctx, transfer, payment.dossier_id, now=now)
    except IntegrityError:
        session.rollback()
        return TransferOutcome.DUPLICATE


def _apply(session, ctx, transfer: Transfer, dossier_id: int, *, now) -> TransferOutcome:
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        dossier = uow.lock(Dossier.id == dossier_id)
        if _seen(session, transfer.transaction_id):  # applied while we waited for the lock
            return TransferOutcome.DUPLICATE
        payment = session.scalars(select(Payment).where(Payment.dossier_id == dossier.id)
                                  .execution_options(populate_existing=True)).one()
        if payment.state != PaymentState.DUE:
            outcome = _hold(uow, transfer, HoldReason.NOT_DUE, payment, dossier)
        elif transfer.amount_vnd != payment.amount_vnd:
            outcome = _hold(uow, transfer, HoldReason.AMOUNT_MISMATCH, payment, dossier)
        else:
            settle(uow, dossier, payment, channel=PaymentChannel.QR,
                    transaction_id=transfer.transaction_id, paid_at=transfer.paid_at,
                    actor=BANK, by=None)
            outcome = TransferOutcome.APPLIED
        uow.commit()
    if outcome == TransferOutcome.APPLIED:
        ctx.due_changed()
    return outcome


def _hold_unmatched(session, transfer: Transfer, *, now) -> TransferOutcome:
    row = _held_row(transfer, HoldReason.UNKNOWN_REFERENCE, payment=None, now=now)
    session.add(row)
    audit.append(session, [_held_change(row, dossier_code=None)], now=now)
    session.commit()
    return TransferOutcome.HELD


def _hold(uow: DossierUnitOfWork, transfer: Transfer, reason: HoldReason, payment: Payment,
          dossier: Dossier) -> TransferOutcome:
    row = _held_row(transfer, reason, payment=payment, now=uow.now)
    uow.session.add(row)
    uow.record(_held_change(row, dossier_code=dossier.code))
    return TransferOutcome.HELD


def _held_row(transfer: Transfer, reason: HoldReason, *, payment: Payment | None,
              now) -> HeldTransfer:
    return HeldTransfer(transaction_id=transfer.transaction_id, amount_vnd=transfer.amount_vnd,
                        description=transfer.description, paid_at=transfer.paid_at,
                        received_at=now, reason=reason,
                        payment_id=None if payment is None else payment.id)


def _held_change(row: HeldTransfer, *, dossier_code: str | None) -> audit.Change:
    return audit.Change(actor=BANK, action="payment.transfer_held", dossier_code=dossier_code,
                        after={"transaction_id": row.transaction_id,
                               "amount_vnd": row.amount_vnd, "reason": row.reason})


def _seen(session: Session, transaction_id: str) -> bool:
    return bool(session.scalar(select(or_(
        exists().where(Payment.transaction_id == transaction_id),
        exists().where(HeldTransfer.transaction_id == transaction_id)))))


def _payment_in(session: Session, dossier: Dossier, state: PaymentState) -> Payment:
    payment = find_payment(session, dossier)
    if payment is None:
        raise PaymentNotFound(f"dossier {dossier.code} has no payment: nothing is due yet",
                              code=dossier.code)
    if payment.state != state:
        raise PaymentConflict(f"dossier {dossier.code}'s payment is {payment.state}, not {state}",
                              dossier=dossier.code, state=payment.state)
    return payment


def settle(uow: DossierUnitOfWork, dossier: Dossier, payment: Payment, *,
            channel: PaymentChannel, transaction_id: str | None, paid_at: datetime,
            actor: str, by: int | None) -> None:
    """Mark the payment paid; a dossier waiting for it in status 6 goes on where it stopped."""
    payment.state, payment.channel = PaymentState.PAID, channel
    payment.transaction_id, payment.paid_at, payment.recorded_by = transaction_id, paid_at, by
    uow.record(audit.Change(actor=actor, action="payment.paid", dossier_code=dossier.code,
                            before={"state": PaymentState.DUE},
                            after={"state": PaymentState.PAID, "channel": channel,
                                   "amount_vnd": payment.amount_vnd,
                                   "transaction_id": transaction_id}))
    if dossier.status == DossierStatus.PAYMENT_REQUESTED:
        _project_workflow(uow, actor=actor, by=by, release=True)


def _set_status(uow: DossierUnitOfWork, dossier: Dossier, status: DossierStatus, *,
                actor: str, by: int | None) -> None:
    uow.record(audit.Change(actor=actor, action="dossier.status_changed",
                            dossier_code=dossier.code, before={"status": dossier.status},
                            after={"status": int(status)}))
    change_status(uow.session, dossier, status, by=by, at=uow.now)


def _project_workflow(uow: DossierUnitOfWork, *, actor: str, by: int | None,
                      release: bool = False) -> None:
    """Project the workflow as it stands (pausing or resuming the clock).

    `release` first gives the dossier back the status its workflow derives, in place of 6.
    """
    progress = uow.ctx.runtime.progress(uow.model(), uow.restore())
    if release:
        _set_status(uow, uow.dossier, progress.status, actor=actor, by=by)
    uow.project(progress, open_rows=uow.open_rows(), actor=actor, by=by)
