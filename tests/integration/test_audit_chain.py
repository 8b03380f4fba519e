"""The audit chain verifies, and any changed or removed event is named.

Writers append events unsealed; the sealer chains the committed ones in the order they
were written, one sealer at a time.
"""

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from api.extensions import db
from engine import audit
from engine.models import AuditChainHead, AuditEvent
from tests.conftest import NOW, in_two_sessions_at_once


def write_events(session, count: int, *, first: int = 1, sealed: bool = True) -> None:
    changes = [audit.Change(actor="reception", action="dossier.received",
                            dossier_code=f"X-260302-{i:04d}", after={"n": i})
               for i in range(first, first + count)]
    audit.append(session, changes, now=NOW)
    session.commit()
    if sealed:
        audit.seal(session)


def chain(session) -> list[tuple[int, int]]:
    """Return (seq, n) of every sealed event in chain order."""
    return [(event.seq, event.after["n"]) for event in session.scalars(
        select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq))]


def test_events_are_written_unsealed_and_sealed_in_the_order_they_were_written(session):
    write_events(session, 3, sealed=False)
    assert chain(session) == []
    assert audit.verify_chain(session) == audit.ChainReport(0, None, None, unsealed=3,
                                                            oldest_unsealed_at=NOW)

    sealed = audit.seal(session)

    assert sealed == (3, False)
    assert chain(session) == [(1, 1), (2, 2), (3, 3)]
    assert audit.verify_chain(session) == audit.ChainReport(3, None, None, unsealed=0)
    head = session.get(AuditChainHead, audit.HEAD_ID)
    last = session.scalars(select(AuditEvent).where(AuditEvent.seq == 3)).one()
    assert (head.last_seq, head.last_hash) == (3, last.hash)


def test_later_events_extend_the_sealed_chain(session):
    write_events(session, 2)
    write_events(session, 2, first=3)

    assert chain(session) == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert audit.verify_chain(session).intact


def test_sealing_in_bounded_batches_says_more_wait(session):
    write_events(session, 5, sealed=False)

    first = audit.seal(session, batch=2, max_batches=2)
    rest = audit.seal(session, batch=2)

    assert (first, rest) == ((4, True), (1, False))
    assert chain(session) == [(n, n) for n in range(1, 6)]
    assert audit.verify_chain(session).intact


def test_an_event_committed_late_joins_the_chain_when_it_commits(app, session, pg_only):
    late = Session(db.engine)
    audit.append(late, [audit.Change(actor="office", action="task.claimed", after={"n": 1})],
                 now=NOW)
    late.flush()
    write_events(session, 1, first=2)  # written after the open one, committed before it

    assert chain(session) == [(1, 2)]
    late.commit()
    late.close()
    audit.seal(session)

    assert chain(session) == [(1, 2), (2, 1)]
    assert audit.verify_chain(session) == audit.ChainReport(2, None, None, unsealed=0)


def test_two_sealers_at_once_seal_every_event_exactly_once(app, session, pg_only):
    write_events(session, 40, sealed=False)

    def seal_until_none_wait(own) -> int:
        sealed = 0
        while own.scalar(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.seq.is_(None))):
            sealed += audit.seal(own, batch=3)[0]
        return sealed

    assert sum(in_two_sessions_at_once(seal_until_none_wait)) == 40
    assert sorted(n for _, n in chain(session)) == list(range(1, 41))
    assert audit.verify_chain(session) == audit.ChainReport(40, None, None, unsealed=0)


def test_an_untouched_chain_verifies(session):
    write_events(session, 5)

    report = audit.verify_chain(session)

    assert report.intact
    assert report.events == 5


def test_a_changed_event_is_named(session):
    write_events(session, 5)
    session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(after={"n": 99}))
    session.commit()

    report = audit.verify_chain(session)

    assert not report.intact
    assert report.first_broken_seq == 3
    assert "changed" in report.reason


def test_a_deleted_event_in_the_middle_is_named(session):
    write_events(session, 5)
    session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    session.commit()

    report = audit.verify_chain(session)

    assert report.first_broken_seq == 2
    assert "missing" in report.reason


def test_deleting_the_newest_events_is_detected(session):
    write_events(session, 5)
    session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
    session.commit()

    report = audit.verify_chain(session)

    assert report.first_broken_seq == 4


def test_a_rewritten_event_with_a_recomputed_hash_breaks_the_next_link(session):
    write_events(session, 4)
    event = session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
    forged = audit.event_hash(seq=2, occurred_at=event.occurred_at,
                              change=audit.Change(actor="intruder", action=event.action,
                                                  dossier_code=event.dossier_code,
                                                  after=event.after),
                              prev_hash=event.prev_hash)
    session.execute(update(AuditEvent).where(AuditEvent.seq == 2)
                    .values(actor="intruder", hash=forged))
    session.commit()

    report = audit.verify_chain(session)

    assert report.first_broken_seq == 3
    assert "link" in report.reason


def test_a_whole_dossier_lifecycle_leaves_a_verifiable_chain(http, staff, session):
    from tests.e2e.helpers import REVIEW_APPROVE, do_step, received
    dossier = received(http, staff["reception"])
    do_step(http, staff["office"], dossier["open_steps"][0]["id"], REVIEW_APPROVE)
    written = session.scalar(select(func.count()).select_from(AuditEvent))

    audit.seal(session)
    report = audit.verify_chain(session)

    assert report.intact
    assert (report.events, report.unsealed) == (written, 0)
    assert written >= 6
