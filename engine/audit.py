"""The append-only, hash-chained record of every state change."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.errors import NotPermitted
from engine.models import AuditChainHead, AuditEvent, User
from engine.sql import insert_for
from engine.statuses import Role

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
    """Append changes to the chain, holding the chain head until the caller commits.

    Call it last in a unit of work, right before the commit: it writes the unit's other
    changes first, so that the head row lock, which serialises every writer, is held only
    for the events' INSERT, the head's UPDATE and the COMMIT.
    """
    if not changes:
        return
    session.flush()
    seq, prev = _lock_head(session)
    rows = []
    for change in changes:
        seq += 1
        digest = event_hash(seq=seq, occurred_at=now, change=change, prev_hash=prev)
        rows.append({"seq": seq, "occurred_at": now, "actor": change.actor,
                     "action": change.action, "dossier_code": change.dossier_code,
                     "task_id": change.task_id, "before": change.before,
                     "after": change.after, "prev_hash": prev, "hash": digest})
        prev = digest
    session.execute(insert(AuditEvent.__table__), rows)
    session.execute(update(AuditChainHead.__table__).where(AuditChainHead.id == HEAD_ID)
                    .values(last_seq=seq, last_hash=prev))


def _lock_head(session: Session) -> tuple[int, str]:
    query = (select(AuditChainHead.last_seq, AuditChainHead.last_hash)
             .where(AuditChainHead.id == HEAD_ID).with_for_update())
    head = session.execute(query).one_or_none()
    if head is None:
        session.execute(insert_for(session, AuditChainHead)
                        .values(id=HEAD_ID, last_seq=0, last_hash=GENESIS_HASH)
                        .on_conflict_do_nothing())
        head = session.execute(query).one()
    return head.last_seq, head.last_hash


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking the chain."""

    events: int
    first_broken_seq: int | None
    reason: str | None

    @property
    def intact(self) -> bool:
        """Tell whether every event verified."""
        return self.first_broken_seq is None


def verify_chain(session: Session, *, batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; name the first event that was changed or removed."""
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
                                .order_by(AuditEvent.seq)))


AUDIT_READER_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def check_can_read_audit(user: User) -> None:
    """Only supervisors and admins read the whole audit trail and verify the chain."""
    if user.role not in AUDIT_READER_ROLES:
        raise NotPermitted(f"a {user.role} cannot read the audit trail; supervisors and "
                           "admins do")


def search(session: Session, *, dossier_code: str | None = None, actor: str | None = None,
           action: str | None = None, since: datetime | None = None,
           until: datetime | None = None, page: int, page_size: int) -> list[AuditEvent]:
    """Return one page of events, oldest first, that occurred in [since, until)."""
    conditions = []
    if dossier_code is not None:
        conditions.append(AuditEvent.dossier_code == dossier_code)
    if actor is not None:
        conditions.append(AuditEvent.actor == actor)
    if action is not None:
        conditions.append(AuditEvent.action == action)
    if since is not None:
        conditions.append(AuditEvent.occurred_at >= since)
    if until is not None:
        conditions.append(AuditEvent.occurred_at < until)
    return list(session.scalars(select(AuditEvent).where(*conditions).order_by(AuditEvent.seq)
                                .offset((page - 1) * page_size).limit(page_size)))
