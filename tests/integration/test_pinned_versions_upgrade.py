"""Upgrading to pinned versions (0015) pins each dossier to the version it actually runs."""

import copy
from datetime import datetime

from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from api.extensions import db
from engine.accounts import create_user
from engine.calendar import VIETNAM
from engine.dossiers import receive_dossier
from engine.migration import migrate_dossiers
from engine.models import Procedure, ProcedureVersion, WorkflowSpec
from engine.procedures import load_procedures, publish_procedures, publish_version, store_model
from engine.specs import parse_model
from engine.statuses import Channel
from tests.e2e.helpers import APPLICANT
from tests.integration.conftest import procedures_before_decision_tables
from tests.integration.test_migration import with_step_after_head_approval
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

BEFORE = "0014"
HOUSEHOLD = PROCEDURE_CODES["business_household"]
PINS = ("SELECT d.code, v.number FROM dossiers d "
        "JOIN procedure_versions v ON v.id = d.procedure_version_id ORDER BY d.code")
UNKNOWN_MODEL = "f" * 64
# A dossier runs its version's model: none may point at a version of another model.
OTHER_MODEL = ("SELECT count(*) FROM dossiers d JOIN procedure_versions v "
               "ON v.id = d.procedure_version_id WHERE v.spec_hash <> d.spec_hash")


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=VIETNAM)


def run_four_versions() -> dict[str, str]:
    """Receive dossiers under four versions and move two; return each version's dossier code.

    Versions 1 and 2 share a model and differ in the deadline, version 3 adds a step, and
    version 4 goes back to version 1's model and metadata.
    """
    ctx = current_app.extensions["motcua"]
    session = db.session
    departments, definitions = load_procedures(forms=ctx.forms)
    publish_procedures(session, departments=departments, definitions=definitions, now=at(2, 8))
    reception, _ = create_user(session, username="reception", role="receptionist",
                               department_code="RECEPTION", now=at(2, 8))
    designer, _ = create_user(session, username="designer", role="designer",
                              department_code=None, now=at(2, 8))
    procedure = session.get(Procedure, HOUSEHOLD)
    v1 = session.scalars(select(ProcedureVersion)
                         .where(ProcedureVersion.procedure_code == HOUSEHOLD)).one()
    five_days = copy.deepcopy(v1.meta)
    five_days["deadline"]["working_days"] = 5
    xml = session.get(WorkflowSpec, v1.spec_hash).bpmn_xml
    longer = parse_model(with_step_after_head_approval(xml).encode("utf-8"),
                         process_id=v1.meta["process_id"], file_name="v3")
    store_model(session, longer, now=at(2, 8))

    def publish(meta, spec_hash, now):
        publish_version(session, folder=procedure.folder, meta=meta, spec_hash=spec_hash,
                        forms={}, author="designer", change_note="test", now=now)
        session.commit()

    def receive(now):
        dossier, _ = receive_dossier(
            session, ctx, procedure_code=HOUSEHOLD, applicant=APPLICANT,
            channel=Channel.COUNTER, intake=SCENARIOS["business_household"]["intake"],
            user=reception, now=now)
        return dossier.code

    codes = {"v1": receive(at(2, 9))}
    publish(five_days, v1.spec_hash, at(2, 10))
    codes["v2"] = receive(at(2, 11))
    publish(v1.meta, longer.hash, at(3, 9))
    codes["v3"] = receive(at(3, 10))
    moved = migrate_dossiers(session, ctx, code=HOUSEHOLD, target_number=3,
                             dossier_codes=[codes["v1"]], user=designer, now=at(3, 11))
    assert moved.moved == [codes["v1"]]
    publish(v1.meta, v1.spec_hash, at(4, 9))
    codes["v4"] = receive(at(4, 10))
    # Back on version 1's model, which version 2 had when this dossier was received.
    moved = migrate_dossiers(session, ctx, code=HOUSEHOLD, target_number=4,
                             dossier_codes=[codes["v3"]], user=designer, now=at(4, 11))
    assert moved.moved == [codes["v3"]]
    return codes


def test_the_upgrade_pins_each_dossier_to_the_version_the_engine_pinned_it_to(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory)
    codes = run_four_versions()
    pinned = dict(db.session.execute(text(PINS)).all())
    db.session.commit()

    downgrade(directory=directory, revision=BEFORE)
    upgrade(directory=directory)

    assert pinned == {codes["v1"]: 3, codes["v2"]: 2, codes["v3"]: 4, codes["v4"]: 4}
    assert dict(db.session.execute(text(PINS)).all()) == pinned
    assert db.session.scalar(text(OTHER_MODEL)) == 0


def write_dossier(code: str, spec_hash: str) -> None:
    """Write a household dossier as revisions before 0015 did."""
    db.session.execute(text(
        "INSERT INTO dossiers (code, procedure_code, spec_hash, status, channel, applicant, "
        "intake, fee_vnd, pin_hash, received_at, updated_at, workflow_state, version) VALUES "
        "(:code, :procedure, :hash, 4, 1, '{}', '{}', 0, :pin, :at, :at, '{}', 1)"),
        {"code": code, "procedure": HOUSEHOLD, "hash": spec_hash, "pin": "0" * 64,
         "at": at(1, 9).replace(tzinfo=None)})


def test_procedures_and_models_no_version_holds_get_versions_of_their_own(empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory, revision=BEFORE)
    departments, definitions = procedures_before_decision_tables(
        current_app.extensions["motcua"].forms)
    publish_procedures(db.session, departments=departments, definitions=definitions,
                       now=at(2, 8))
    # As a database from before 0005, never imported again, has it: no version at all.
    db.session.execute(text("DELETE FROM procedure_versions WHERE procedure_code = :code"),
                       {"code": HOUSEHOLD})
    db.session.execute(text(
        "INSERT INTO workflow_specs (hash, process_id, bpmn_xml, created_at) "
        "VALUES (:hash, 'business_household', '<old/>', :at)"),
        {"hash": UNKNOWN_MODEL, "at": at(1, 9).replace(tzinfo=None)})
    current = db.session.get(Procedure, HOUSEHOLD)
    write_dossier("OLD-0001", UNKNOWN_MODEL)
    write_dossier("OLD-0002", current.spec_hash)
    db.session.commit()

    upgrade(directory=directory)

    rows = db.session.execute(text(
        "SELECT d.code, v.number, v.state, v.spec_hash, v.author FROM dossiers d "
        "JOIN procedure_versions v ON v.id = d.procedure_version_id ORDER BY d.code")).all()
    assert [tuple(row) for row in rows] == [
        ("OLD-0001", 2, "retired", UNKNOWN_MODEL, "migration 0015"),
        ("OLD-0002", 1, "published", current.spec_hash, "migration 0015")]
    versions = db.session.scalars(select(ProcedureVersion)
                                  .where(ProcedureVersion.procedure_code == HOUSEHOLD)).all()
    assert [v.meta for v in versions] == [current.meta, current.meta]
