"""Upgrading to unsealed appends (0008) keeps the chain written before it, on both databases."""

from datetime import UTC, datetime

import pytest
from alembic import command
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from api.extensions import db
from engine import audit

BEFORE = "0007"
WRITTEN_AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def write_old_chain(count: int) -> str:
    """Write `count` events the way revision 0007 did: sealed in the request, by seq."""
    prev = audit.GENESIS_HASH
    for seq in range(1, count + 1):
        change = audit.Change(actor="reception", action="dossier.received",
                              dossier_code=f"X-260302-{seq:04d}")
        digest = audit.event_hash(seq=seq, occurred_at=WRITTEN_AT, change=change,
                                  prev_hash=prev)
        db.session.execute(text(
            "INSERT INTO audit_events (seq, occurred_at, actor, action, dossier_code, "
            "prev_hash, hash) VALUES (:seq, :at, 'reception', 'dossier.received', :code, "
            ":prev, :hash)"), {"seq": seq, "at": WRITTEN_AT.replace(tzinfo=None),
                               "code": change.dossier_code, "prev": prev, "hash": digest})
        prev = digest
    db.session.execute(text("INSERT INTO audit_chain_head (id, last_seq, last_hash) "
                            "VALUES (1, :seq, :hash)"), {"seq": count, "hash": prev})
    db.session.commit()
    return prev


def test_the_chain_written_before_the_upgrade_verifies_and_grows_after_it(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory, revision=BEFORE)
    write_old_chain(3)

    upgrade(directory=directory)
    kept = audit.verify_chain(db.session)
    audit.append(db.session, [audit.Change(actor="office", action="task.claimed")],
                 now=WRITTEN_AT)
    db.session.commit()
    sealed = audit.seal(db.session)

    assert kept == audit.ChainReport(3, None, None, unsealed=0)
    assert sealed == (1, False)
    assert audit.verify_chain(db.session) == audit.ChainReport(4, None, None, unsealed=0)
    ids = db.session.execute(text("SELECT id, seq FROM audit_events ORDER BY id")).all()
    assert [tuple(row) for row in ids] == [(1, 1), (2, 2), (3, 3), (4, 4)]


def test_downgrading_refuses_while_events_wait_to_be_sealed(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory)
    audit.append(db.session, [audit.Change(actor="office", action="task.claimed")],
                 now=WRITTEN_AT)
    db.session.commit()

    config = empty_app.extensions["migrate"].migrate.get_config(directory)

    with pytest.raises(RuntimeError, match=r"^1 audit events are not sealed yet: run `motcua "
                                           r"audit seal` first, then downgrade$"):
        command.downgrade(config, BEFORE)
    audit.seal(db.session)
    downgrade(directory=directory, revision=BEFORE)

    rows = db.session.execute(text("SELECT seq, actor FROM audit_events")).all()
    assert [tuple(row) for row in rows] == [(1, "office")]
