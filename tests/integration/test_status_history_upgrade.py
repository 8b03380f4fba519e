"""Upgrading to status history (0013) rebuilds each dossier's changes from its audit trail."""

from datetime import datetime

from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from api.extensions import db
from engine.accounts import create_user
from engine.calendar import VIETNAM
from engine.dossiers import receive_dossier
from engine.due import fire_all_due
from engine.procedures import load_procedures, publish_procedures
from engine.statuses import Channel
from engine.tasks import claim_task, complete_task
from tests.e2e.helpers import APPLICANT
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

BEFORE = "0012"
HOUSEHOLD = SCENARIOS["business_household"]
HISTORY = ("SELECT d.code, c.from_status, c.to_status, c.at, u.username "
           "FROM dossier_status_changes c JOIN dossiers d ON d.id = c.dossier_id "
           "LEFT JOIN users u ON u.id = c.by_user_id ORDER BY d.code, c.id")


def at(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=VIETNAM)


def work_two_dossiers() -> None:
    """Pause two dossiers for a supplement; resume one, leave the other to be closed."""
    ctx = current_app.extensions["motcua"]
    session = db.session
    departments, definitions = load_procedures(forms=ctx.forms)
    publish_procedures(session, departments=departments, definitions=definitions, now=at(1, 2, 9))
    reception, _ = create_user(session, username="reception", role="receptionist",
                               department_code="RECEPTION", now=at(1, 2, 9))
    economic, _ = create_user(session, username="economic", role="officer",
                              department_code="ECONOMIC", now=at(1, 2, 9))

    def step(dossier, user, data, now):
        task_id = session.scalar(text(
            "SELECT id FROM human_tasks WHERE dossier_id = :d AND state = 'ready'"),
            {"d": dossier.id})
        claim_task(session, ctx, task_id=task_id, user=user, now=now)
        complete_task(session, ctx, task_id=task_id, data=data, user=user, now=now)

    for received in (at(1, 28, 9), at(1, 28, 10)):
        dossier, _ = receive_dossier(
            session, ctx, procedure_code=PROCEDURE_CODES["business_household"],
            applicant=APPLICANT, channel=Channel.COUNTER, intake=HOUSEHOLD["intake"],
            user=reception, now=received)
        step(dossier, economic, HOUSEHOLD["supplement"][0][1], at(1, 29, 10))
    step(dossier, reception, HOUSEHOLD["supplement"][1][1], at(2, 3, 10))
    # The first one never came back: closed by the scheduler.
    fire_all_due(session, ctx, now=at(3, 16, 9))


def test_the_upgrade_rebuilds_the_status_history_the_engine_recorded_from_the_audit_trail(
        empty_app):
    directory = empty_app.extensions["migrate"].directory
    upgrade(directory=directory)
    work_two_dossiers()
    recorded = [tuple(row) for row in db.session.execute(text(HISTORY))]
    db.session.commit()

    downgrade(directory=directory, revision=BEFORE)
    upgrade(directory=directory)

    rebuilt = [tuple(row) for row in db.session.execute(text(HISTORY))]
    assert len(recorded) == 8
    assert {row[1:3] + row[4:] for row in recorded} >= {(5, 4, "reception"), (5, 8, None)}
    assert rebuilt == recorded
