"""A procedure without samples.json is trialled with data generated from its forms."""

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.calendar import VIETNAM
from engine.models import ProcedureVersion, User
from engine.trial_run import trial_run_version
from tests.conftest import snapshot
from tests.scenarios import PROCEDURE_CODES

WORKFLOWS = Path(__file__).resolve().parent.parent.parent / "workflows"
MON_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)


@pytest.fixture
def without_samples(tmp_path) -> Path:
    target = tmp_path / "workflows"
    shutil.copytree(WORKFLOWS, target, ignore=shutil.ignore_patterns("samples.json"))
    return target


def trial(app, session, staff, workflows_dir, folder, decisions=None):
    code = PROCEDURE_CODES[folder]
    number = session.scalar(select(ProcedureVersion.number).where(
        ProcedureVersion.procedure_code == code, ProcedureVersion.state == "published"))
    return trial_run_version(session, app.extensions["motcua"], code=code, number=number,
                             user=session.get(User, staff["designer"].id),
                             workflows_dir=workflows_dir, decisions=decisions,
                             start_at=MON_0900)


@pytest.mark.parametrize("folder", sorted(PROCEDURE_CODES))
def test_a_procedure_folder_without_samples_trials_to_its_end(app, session, staff,
                                                             without_samples, folder):
    before = snapshot(session)

    result = trial(app, session, staff, without_samples, folder)

    assert (result.finished, result.error) == (True, None)
    assert result.path
    assert snapshot(session) == before


def test_generated_data_offers_each_choice_of_a_step_as_a_decision(app, session, staff,
                                                                  without_samples):
    result = trial(app, session, staff, without_samples, "certified_copy",
                   decisions={"certify": ["supplement", "approve"]})

    assert result.finished, result.error
    assert [s.variant for s in result.path if s.step == "certify"] == ["supplement", "approve"]
    assert "request_supplement" in [s.step for s in result.path]
