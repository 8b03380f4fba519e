"""The append-only, hash-chained record of every state change."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from engine.logs import log_page
from engine.models import AuditChainHead, AuditEvent
from engine.sql import insert_for

GENESIS_HASH = "0" * 64
HEAD_ID = 1


@dataclass(frozen=True)
class Change:
    """A state change waiting to be appended to the chain."""

    actor: str
    action: str
    dossier_code: str | None = None
    task_id: int | None = None
    before: dict | None = None
    after: dict | None = None


def event_hash(*, seq: int, occurred_at: datetime, change: Change | AuditEvent,
               prev_hash: str) -> str:
    """Return the hash that seals an event to its predecessor."""
    body = {
        "seq": seq,
        # The database hands times back in UTC: hash them in UTC whatever zone came in.
        "occurred_at": occurred_at.astimezone(UTC).isoformat(),
        "actor": change.actor,
        "action": change.action,
        "dossier_code": change.dossier_code,
        "task_id": change.task_id,
        "before": change.before,
        "after": change.after,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(session: Session, changes: list[Change], *, now: datetime) -> None:
    """Append changes to the trail, unsealed: no writer waits for another to commit.

    The sealer (`seal`) gives them their place in the chain once they are committed.
    """
    if changes:
        session.execute(insert(AuditEvent.__table__), [
            {"occurred_at": now, "actor": change.actor, "action": change.action,
             "dossier_code": change.dossier_code, "task_id": change.task_id,
             "before": change.before, "after": change.after} for change in changes])


def seal(session: Session, *, batch: int = 5000, max_batches: int | None = None
         ) -> tuple[int, bool]:
    """Chain the committed unsealed events in the order they were written, a batch per commit.

    Return how many were sealed and whether more wait (after `max_batches`). The chain is
    the order of sealing: an event whose transaction commits late joins the chain late. One
    sealer at a time holds the chain head; another finding it held leaves the work to it.
    """
    sealed = batches = 0
    while max_batches is None or batches < max_batches:
        head = _lock_head(session)
        if head is None:
            session.rollback()
            return sealed, False
        seq, prev = head
        events = session.scalars(select(AuditEvent).where(AuditEvent.seq.is_(None))
                                 .order_by(AuditEvent.id).limit(batch)).all()
        if not events:
            session.rollback()
            return sealed, False
        for event in events:
            seq += 1
            digest = event_hash(seq=seq, occurred_at=event.occurred_at, change=event,
                                prev_hash=prev)
            event.seq, event.prev_hash, event.hash = seq, prev, digest
            prev = digest
        session.execute(update(AuditChainHead.__table__).where(AuditChainHead.id == HEAD_ID)
                        .values(last_seq=seq, last_hash=prev))
        session.commit()
        sealed, batches = sealed + len(events), batches + 1
        if len(events) < batch:
            return sealed, False
    return sealed, True


def _lock_head(session: Session) -> tuple[int, str] | None:
    """Lock the chain head (created on first use); None while another sealer holds it."""
    query = (select(AuditChainHead.last_seq, AuditChainHead.last_hash)
             .where(AuditChainHead.id == HEAD_ID).with_for_update(skip_locked=True))
    head = session.execute(query).one_or_none()
    if head is None:
        created = session.execute(insert_for(session, AuditChainHead)
                                  .values(id=HEAD_ID, last_seq=0, last_hash=GENESIS_HASH)
                                  .on_conflict_do_nothing().returning(AuditChainHead.id))
        if created.first() is None:
            return None
        head = session.execute(query).one()
    return head.last_seq, head.last_hash


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain."""

    events: int
    first_broken_seq: int | None
    reason: str | None
    unsealed: int = 0
    oldest_unsealed_at: datetime | None = None

    @property
    def intact(self) -> bool:
        """Tell whether every sealed event verified."""
        return self.first_broken_seq is None


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute every sealed hash in order; name the first event changed or removed.

    Events not sealed yet are counted, not verified: they carry no hash until the sealer
    chains them.
    """
    report = _walk_sealed(session, batch=batch)
    unsealed, oldest = session.execute(select(func.count(), func.min(AuditEvent.occurred_at))
                                       .where(AuditEvent.seq.is_(None))).one()
    return ChainReport(report.events, report.first_broken_seq, report.reason, unsealed, oldest)


def _walk_sealed(session: Session, *, batch: int) -> ChainReport:
    prev_seq, prev_hash, count = 0, GENESIS_HASH, 0
    while True:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.seq > prev_seq)
                               .order_by(AuditEvent.seq).limit(batch)).all()
        for event in rows:
            if event.seq != prev_seq + 1:
                return ChainReport(count, prev_seq + 1, "event missing: the chain skips it")
            if event.prev_hash != prev_hash:
                return ChainReport(count, event.seq, "link to the previous event is broken")
            expected = event_hash(seq=event.seq, occurred_at=event.occurred_at, change=event,
                                  prev_hash=prev_hash)
            if event.hash != expected:
                return ChainReport(count, event.seq, "content changed after it was written")
            prev_seq, prev_hash, count = event.seq, event.hash, count + 1
        if len(rows) < batch:
            break
    head = session.get(AuditChainHead, HEAD_ID)
    if head is not None and (head.last_seq, head.last_hash) != (prev_seq, prev_hash):
        return ChainReport(count, prev_seq + 1, "events at the end of the chain were removed")
    return ChainReport(count, None, None)


def history(session: Session, dossier_code: str) -> list[AuditEvent]:
    """Return a dossier's events, oldest first."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.dossier_code == dossier_code)
                                .order_by(AuditEvent.id)))


def search(session: Session, *, dossier_code: str | None = None, actor: str | None = None,
           action: str | None = None, since: datetime | None = None,
           until: datetime | None = None, page: int, page_size: int) -> list[AuditEvent]:
    """Return one page of events, oldest first, that occurred in [since, until)."""
    return log_page(session, AuditEvent,
                    equal={"dossier_code": dossier_code, "actor": actor, "action": action},
                    since=since, until=until, page=page, page_size=page_size)
