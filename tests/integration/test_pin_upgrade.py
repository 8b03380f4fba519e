"""Upgrading to keyed PINs (0010) keeps every dossier's PIN working, on both databases."""

import hashlib
import json
from datetime import UTC, datetime

import pytest
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import text

from api.extensions import db
from engine.dossiers import public_lookup
from engine.errors import DossierNotFound
from engine.procedures import publish_procedures
from tests.conftest import SECRET_KEY
from tests.integration.conftest import procedures_before_decision_tables

BEFORE = "0009"  # the revision before keyed PINs (0010)
RECEIVED_AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CODE, PIN = "000.00.00.H00-260302-0001", "482913"


def write_old_dossier() -> str:
    """Write a dossier as revisions before 0010 did: its PIN as a plain sha256(code:pin)."""
    departments, definitions = procedures_before_decision_tables(
        current_app.extensions["motcua"].forms)
    publish_procedures(db.session, departments=departments, definitions=definitions,
                       now=RECEIVED_AT)
    spec_hash = db.session.scalar(text("SELECT spec_hash FROM procedures WHERE code = '1.001193'"))
    old = hashlib.sha256(f"{CODE}:{PIN}".encode()).hexdigest()
    db.session.execute(text(
        "INSERT INTO dossiers (code, procedure_code, spec_hash, status, channel, applicant, "
        "intake, fee_vnd, pin_hash, received_at, updated_at, workflow_state, version) VALUES "
        "(:code, '1.001193', :spec, 4, 1, :json, :json, 0, :pin, :at, :at, '{}', 1)"),
        {"code": CODE, "spec": spec_hash, "json": json.dumps({}), "pin": old,
         "at": RECEIVED_AT.replace(tzinfo=None)})
    db.session.commit()
    return old


def test_a_pin_stored_before_the_upgrade_still_finds_its_dossier_and_is_keyed(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory, revision=BEFORE)
    old = write_old_dossier()

    upgrade(directory=directory)
    found = public_lookup(db.session, code=CODE, pin=PIN, secret_key=SECRET_KEY.encode())

    assert found.code == CODE
    assert db.session.scalar(text("SELECT pin_hash FROM dossiers")) not in (old, None)
    with pytest.raises(DossierNotFound):
        public_lookup(db.session, code=CODE, pin=PIN, secret_key=b"another host's key")
    with pytest.raises(DossierNotFound):
        public_lookup(db.session, code=CODE, pin="000000", secret_key=SECRET_KEY.encode())
    assert db.session.scalar(text("SELECT count(*) FROM rate_limit_counters")) == 0
