"""The audit chain verifies, and any changed or removed event is named."""

from sqlalchemy import delete, select, update

from engine import audit
from engine.models import AuditEvent
from tests.conftest import NOW


def write_events(session, count: int) -> None:
    changes = [audit.Change(actor="reception", action="dossier.received",
                            dossier_code=f"X-260302-{i:04d}", after={"n": i})
               for i in range(1, count + 1)]
    audit.append(session, changes, now=NOW)
    session.commit()


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

    report = audit.verify_chain(session)

    assert report.intact
    assert report.events >= 6
