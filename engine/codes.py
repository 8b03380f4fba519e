"""Dossier codes in the circular's format: <agency code>-YYMMDD-NNNN."""

import hashlib
import hmac
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.models import DossierSequence
from engine.sql import insert_for

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
SEQUENCE_DIGITS = 4
PIN_DIGITS = 6


def next_dossier_code(session: Session, *, agency_code: str, received_at: datetime) -> str:
    """Return the next code of the receipt day, unique under concurrent receipts.

    The upsert locks the day's counter row until the caller commits, so two receipts can
    never draw the same number.
    """
    prefix = f"{agency_code}-{received_at.astimezone(VIETNAM):%y%m%d}"
    stmt = insert_for(session, DossierSequence).values(prefix=prefix, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[DossierSequence.prefix], set_={"last": DossierSequence.last + 1}
    ).returning(DossierSequence.last)
    number = session.execute(stmt).scalar_one()
    return f"{prefix}-{number:0{SEQUENCE_DIGITS}d}"


def new_pin() -> str:
    """Return a random lookup PIN to print on the receipt slip."""
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


def pin_hash(code: str, pin: str, *, secret_key: bytes) -> str:
    """Return the stored form of a dossier's PIN, keyed so a stolen table cannot be brute-forced.

    A million PINs are quickly tried against a plain hash; without the server's secret key
    the keyed one gives nothing away.
    """
    return wrap_pin_digest(hashlib.sha256(f"{code}:{pin}".encode()).hexdigest(),
                           secret_key=secret_key)


def wrap_pin_digest(digest: str, *, secret_key: bytes) -> str:
    """Key a plain sha256(code:pin) hex digest, the form PINs were stored in before keying."""
    return hmac.new(secret_key, digest.encode(), hashlib.sha256).hexdigest()


def pin_matches(code: str, pin: str, stored: str, *, secret_key: bytes) -> bool:
    """Compare a PIN with its stored form in constant time."""
    return hmac.compare_digest(pin_hash(code, pin, secret_key=secret_key), stored)
