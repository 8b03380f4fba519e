"""A simulated commune workload runs through the real use cases, reproducibly."""

import re
from datetime import date, datetime, time

from sqlalchemy import delete, func, select

from api.cli_simulate import simulate_command
from api.extensions import db
from engine import audit
from engine.calendar import VIETNAM
from engine.models import Dossier, HumanTask, User
from engine.reports import step_timings
from engine.simulation import WorkloadProfile, simulate
from engine.statuses import DossierStatus, TaskState
from tests.conftest import DATA_TABLES

START, END = date(2026, 3, 2), date(2026, 3, 13)  # two working weeks
CODE = re.compile(r"^.+-2603(0[2-6]|09|1[0-3])-\d{4}$")


def run(app, *, seed: int = 7, dossiers: int = 60, start: date = START, end: date = END,
        profile: WorkloadProfile | None = None):
    return simulate(db.session, app.extensions["motcua"], start=start, end=end,
                    dossiers=dossiers, seed=seed, profile=profile)


def empty_database(session) -> None:
    for table in DATA_TABLES:
        session.execute(delete(table))
    session.commit()


def outcomes(session) -> list[tuple]:
    return session.execute(select(Dossier.code, Dossier.procedure_code, Dossier.status,
                                  Dossier.outcome).order_by(Dossier.code)).all()


def test_every_dossier_received_exists_with_a_code_of_its_receipt_day(app, session):
    result = run(app)

    codes = session.scalars(select(Dossier.code)).all()
    assert result.received == 60
    assert len(codes) == len(set(codes)) == 60
    assert all(CODE.match(code) for code in codes), codes
    assert result.errors == 0


def test_every_dossier_is_completed_in_progress_closed_or_refused(app, session):
    result = run(app)

    statuses = dict(session.execute(select(Dossier.status, func.count())
                                    .group_by(Dossier.status)).all())
    assert result.completed + result.in_progress + result.closures + result.refused == 60
    assert result.completed == (statuses.get(DossierStatus.PROCESSED, 0)
                                + statuses.get(DossierStatus.RESULT_RETURNED, 0))
    assert result.completed > 40
    assert result.steps_completed == session.scalar(
        select(func.count()).select_from(HumanTask)
        .where(HumanTask.state == TaskState.COMPLETED))


def test_a_simulation_leaves_every_completed_step_in_the_step_timing_rollups(app, session):
    result = run(app)

    waiting = session.scalar(select(func.count()).select_from(HumanTask)
                             .where(HumanTask.state == TaskState.COMPLETED, ~HumanTask.in_rollup))
    rows = step_timings(session, first_day=START, last_day=END, zone=VIETNAM)
    assert waiting == 0
    assert sum(row.completed for row in rows) == result.steps_completed > 100


def test_steps_are_done_by_members_of_the_steps_department_with_the_required_role(app, session):
    run(app)

    done = session.execute(
        select(HumanTask.department_code, HumanTask.required_role, User.department_code,
               User.role, User.username)
        .join(User, User.id == HumanTask.completed_by)
        .where(HumanTask.state == TaskState.COMPLETED)).all()
    assert len(done) > 100
    assert all(user_department == department for department, _, user_department, _, _ in done)
    assert all(role == required for _, required, _, role, _ in done if required)
    assert all(username.startswith("sim.") for *_, username in done)


def test_the_audit_chain_of_a_simulation_verifies(app, session):
    run(app)

    report = audit.verify_chain(session)

    assert report.intact, report.reason
    assert report.events > 60 and report.unsealed == 0


def test_the_same_seed_on_an_emptied_database_gives_the_same_numbers(app, session):
    first = run(app, seed=7)
    first_outcomes = outcomes(session)
    empty_database(session)

    second = run(app, seed=7)

    assert second.counts() == first.counts()
    assert outcomes(session) == first_outcomes


def test_a_different_seed_gives_different_numbers(app, session):
    first = run(app, seed=7)
    first_outcomes = outcomes(session)
    empty_database(session)

    second = run(app, seed=8)

    assert (second.counts(), outcomes(session)) != (first.counts(), first_outcomes)


def test_a_supplement_never_returned_closes_the_dossier_after_fifteen_working_days(app, session):
    everyone_asked_nobody_returns = WorkloadProfile(supplement_share=1.0, refusal_share=0.0,
                                                    abandon_share=1.0)

    result = run(app, dossiers=20, start=date(2026, 3, 2), end=date(2026, 3, 31),
                 profile=everyone_asked_nobody_returns)

    calendar = app.extensions["motcua"].calendar(session)
    end_of_period = datetime.combine(date(2026, 4, 1), time(0), VIETNAM)
    waited = session.execute(
        select(Dossier.status, HumanTask.created_at)
        .join(HumanTask, HumanTask.dossier_id == Dossier.id)
        .where(HumanTask.step == "request_supplement").order_by(Dossier.id)).all()
    expired = [calendar.add_working_days(asked, 15) <= end_of_period for _, asked in waited]
    assert result.supplements == len(waited) == 20
    assert [status for status, _ in waited] == [
        DossierStatus.STOPPED if gone else DossierStatus.SUPPLEMENT_REQUESTED
        for gone in expired]
    assert result.closures == sum(expired) > 0


def test_the_command_prints_the_headline_of_the_period_last(app, session):
    result = app.test_cli_runner().invoke(simulate_command, [
        "--from", "2026-03-02", "--to", "2026-03-06", "--dossiers", "12", "--seed", "3"])

    assert result.exit_code == 0, result.output
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith("From 2 March 2026 to 6 March 2026: 12 dossiers received, ")
    assert session.scalar(select(func.count()).select_from(Dossier)) == 12


def test_the_command_refuses_a_database_that_already_holds_dossiers_unless_told_yes(app, session):
    run(app, dossiers=5)
    runner = app.test_cli_runner()
    arguments = ["--from", "2026-03-02", "--to", "2026-03-06", "--dossiers", "5"]

    refused = runner.invoke(simulate_command, arguments)
    dossiers_after_refusal = session.scalar(select(func.count()).select_from(Dossier))
    agreed = runner.invoke(simulate_command, [*arguments, "--yes"])

    assert refused.exit_code == 1
    assert "already holds dossiers" in refused.stderr and "--yes" in refused.stderr
    assert dossiers_after_refusal == 5
    assert agreed.exit_code == 0, agreed.output
    assert session.scalar(select(func.count()).select_from(Dossier)) == 10
