"""When a dossier's fee falls due, the reference a transfer carries, and the payment's states."""

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.models import Dossier, Payment

REFERENCE_PREFIX = "MC"
REFERENCE_MAX = 25  # what tag 62's sub-field 08 and most banks' descriptions carry
# Banks drop punctuation and spaces from a transfer's description and may change its case.
_STRIPPED = re.compile(r"[^0-9A-Z]")


class PaymentState(StrEnum):
    """Where a dossier's payment stands."""

    DUE = "due"
    PAID = "paid"
    REFUNDED = "refunded"
    WAIVED = "waived"


class PaymentChannel(StrEnum):
    """How a payment was made."""

    QR = "qr"
    CASH = "cash"


class CollectAt(StrEnum):
    """When a procedure collects its fee (the fee rule's `collect_at`, `receipt` by default)."""

    RECEIPT = "receipt"
    SUPPLEMENT = "supplement"
    RETURN = "return"


def collect_at(fee_rule: dict) -> CollectAt:
    """Return when the procedure whose fee rule this is collects its fee."""
    return CollectAt(fee_rule.get("collect_at", "receipt"))


def normalised(text: str) -> str:
    """Return `text` as a bank passes it on: letters and digits only, upper case."""
    return _STRIPPED.sub("", text.upper())


def reference_of(dossier_code: str) -> str:
    """Return the payment reference of a dossier: its code's letters and digits, prefixed.

    At most 25 characters: a long agency code loses its first characters, never the date
    and sequence number that make the code unique within the installation.
    """
    kept = REFERENCE_MAX - len(REFERENCE_PREFIX)
    return REFERENCE_PREFIX + normalised(dossier_code)[-kept:]


def references_in(description: str) -> list[str]:
    """Return every reference a transfer's description may carry, whatever follows it."""
    text = normalised(description)
    candidates = []
    for start in (m.start() for m in re.finditer(f"(?={REFERENCE_PREFIX})", text)):
        tail = text[start:start + REFERENCE_MAX]
        candidates += [tail[:end] for end in range(len(REFERENCE_PREFIX) + 1, len(tail) + 1)]
    return candidates


def open_payment(session: Session, dossier: Dossier, *, actor: str,
                 now: datetime) -> tuple[Payment, audit.Change]:
    """Open the dossier's payment for its fee: due, or waived when the fee is nothing."""
    payment = Payment(dossier_id=dossier.id, amount_vnd=dossier.fee_vnd,
                      state=PaymentState.DUE if dossier.fee_vnd > 0 else PaymentState.WAIVED,
                      reference=reference_of(dossier.code), due_at=now)
    session.add(payment)
    return payment, audit.Change(actor=actor, action="payment.opened", dossier_code=dossier.code,
                                 after={"amount_vnd": payment.amount_vnd,
                                        "state": payment.state,
                                        "reference": payment.reference})


def open_at_receipt(session: Session, dossier: Dossier, fee_rule: dict, *,
                    actor: str, now: datetime) -> list[audit.Change]:
    """Open the payment of a dossier just received if its procedure collects at receipt."""
    if collect_at(fee_rule) != CollectAt.RECEIPT:
        return []
    _payment, change = open_payment(session, dossier, actor=actor, now=now)
    return [change]


def find_payment(session: Session, dossier: Dossier) -> Payment | None:
    """Return the dossier's payment, if one was opened."""
    return session.scalars(select(Payment).where(Payment.dossier_id == dossier.id)).one_or_none()


def find_payment_by_code(session: Session, dossier_code: str) -> Payment | None:
    """Return the payment of the dossier with this code, if one was opened."""
    return session.scalars(select(Payment).join(Dossier, Dossier.id == Payment.dossier_id)
                           .where(Dossier.code == dossier_code)).one_or_none()
