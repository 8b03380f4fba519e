"""Idempotent receipts: a retried request with the same key gets the same dossier back.

Reception's client sends an Idempotency-Key with each receipt; if the answer is lost it sends
the same request again. A key is kept 24 hours with the hash of the body it came with and
the dossier it made; the same key with another body is refused, and an older key counts
as never seen. PINs are stored only as keyed hashes, so the dossier is answered again with
a new PIN, and the old one stops working.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import audit
from engine.codes import new_pin, pin_hash
from engine.context import EngineContext
from engine.errors import IdempotencyKeyReused
from engine.models import Dossier, IdempotencyKey, User
from engine.unit_of_work import DossierUnitOfWork

KEPT_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class ReceiptKey:
    """A client's Idempotency-Key and the hash of the canonical JSON body it came with."""

    key: str
    body_hash: str

    @classmethod
    def of(cls, key: str, body: dict) -> "ReceiptKey":
        """Return the key of a request body, whatever the order and spacing of its JSON."""
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return cls(key, hashlib.sha256(canonical.encode("utf-8")).hexdigest())

    def row(self, *, user: User, dossier: Dossier, now: datetime) -> IdempotencyKey:
        """Return the row that remembers this key made `dossier`."""
        return IdempotencyKey(user_id=user.id, key=self.key, body_hash=self.body_hash,
                              dossier_id=dossier.id, created_at=now)


def replay(session: Session, ctx: EngineContext, *, key: ReceiptKey, user: User,
           now: datetime) -> tuple[Dossier, str] | None:
    """Answer a key this user sent within 24 hours again, or return None for a new one.

    The answer is the dossier the key made and a new PIN, which replaces the one issued
    before. The same key with another body raises IdempotencyKeyReused and changes
    nothing. An expired key is deleted here, so the receipt that follows can take it again.
    """
    found = session.execute(
        select(IdempotencyKey.body_hash, IdempotencyKey.dossier_id, IdempotencyKey.created_at)
        .where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == key.key)).one_or_none()
    if found is None:
        return None
    expired = now - KEPT_FOR
    if found.created_at <= expired:
        session.execute(delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user.id, IdempotencyKey.key == key.key,
            IdempotencyKey.created_at <= expired))
        return None
    if found.body_hash != key.body_hash:
        raise IdempotencyKeyReused(
            f"Idempotency-Key '{key.key}' was sent at {found.created_at.isoformat()} with "
            "another body; send a new key for a new dossier", header="Idempotency-Key",
            first_used_at=found.created_at.isoformat())
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        # Locked, so replays racing each other reissue one after the other.
        dossier = uow.lock(Dossier.id == found.dossier_id)
        pin = new_pin()
        dossier.pin_hash = pin_hash(dossier.code, pin, secret_key=ctx.secret_key)
        uow.record(audit.Change(actor=user.username, action="dossier.pin_reissued",
                                dossier_code=dossier.code, after={"idempotency_key": key.key}))
        uow.commit()
    return dossier, pin


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete keys older than 24 hours and commit; return how many."""
    deleted = session.execute(delete(IdempotencyKey)
                              .where(IdempotencyKey.created_at <= now - KEPT_FOR)).rowcount
    session.commit()
    return deleted
