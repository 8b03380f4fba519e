"""A trial run walks a model in memory with sample data and tells when each step would be done."""

import copy
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from engine.calendar import VIETNAM
from engine.errors import InvalidFormData, InvalidInput, NotPermitted
from engine.models import ProcedureVersion, User
from engine.procedures import load_departments, load_procedure, store_model
from engine.specs import parse_model
from engine.trial_run import SamplesMissing, load_samples, trial_run, trial_run_version
from tests.conftest import snapshot
from tests.e2e.test_runaway_scripts import REVIEW, model, procedure_folder, script
from tests.integration.test_migration import (  # noqa: F401 - restore_versions is a fixture
    restore_versions,
    with_step_after_head_approval,
    xml_of,
)
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

WORKFLOWS = Path(__file__).resolve().parent.parent.parent / "workflows"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MON_0900 = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
FOLDERS = sorted(PROCEDURE_CODES)
# Where each procedure's supplement decision is taken.
DECIDING_STEP = {"birth_registration": "review", "certified_copy": "certify",
                 "business_household": "review", "ending_substitute_care": "review_draft",
                 "first_land_registration": "review"}


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=VIETNAM)


@pytest.fixture
def procedures(app):
    ctx = app.extensions["motcua"]
    codes = {d["code"] for d in load_departments()}
    return {folder: load_procedure(WORKFLOWS / folder, forms=ctx.forms, department_codes=codes)
            for folder in FOLDERS}


def run(app, session, definition, decisions=None, samples=None, start_at=MON_0900, **kwargs):
    ctx = app.extensions["motcua"]
    return trial_run(ctx, model=definition.model, meta=definition.meta,
                     samples=samples or load_samples(WORKFLOWS, definition.folder),
                     decisions=decisions, start_at=start_at, calendar=ctx.calendar(session),
                     **kwargs)


@pytest.mark.parametrize("folder", FOLDERS)
def test_each_procedure_finishes_on_its_happy_path_with_its_samples(
        app, session, procedures, folder):
    result = run(app, session, procedures[folder])

    assert (result.finished, result.error, int(result.status)) == (True, None, 10)
    assert [s.step for s in result.path] == [step for step, _ in SCENARIOS[folder]["happy"]]
    assert result.within_appointment
    for step in result.path:
        assert step.ready_at <= step.due_at == step.completed_at


@pytest.mark.parametrize("folder", FOLDERS)
def test_a_supplement_decision_loops_once_then_approves_and_the_path_lists_every_step(
        app, session, procedures, folder):
    definition = procedures[folder]
    deciding = DECIDING_STEP[folder]

    result = run(app, session, definition, decisions={deciding: "supplement"})

    assert result.finished
    assert [s.step for s in result.path] == [step for step, _ in SCENARIOS[folder]["supplement"]]
    assert [s.variant for s in result.path if s.step == deciding] == ["supplement", "approve"]
    assert {s.step for s in result.path} == set(definition.model.steps)


def test_business_household_dates_by_hand(app, session, procedures):
    result = run(app, session, procedures["business_household"])

    # Mon 2 Mar 09:00 + 3 working days (24 h) = Thu 5 Mar 09:00.
    assert result.first_appointment_at == result.appointment_at == at(5, 9)
    assert [(s.step, s.department, s.ready_at, s.due_at, s.completed_at, s.variant)
            for s in result.path] == [
        # 16 h: Mon 09-12, 13-17 (7 h), Tue 8 h, Wed 08-09 (1 h).
        ("review", "ECONOMIC", at(2, 9), at(4, 9), at(4, 9), "approve"),
        ("head_approval", "ECONOMIC", at(4, 9), at(5, 9), at(5, 9), "default"),
        # 4 h over the lunch hour: 09-12 and 13-14.
        ("return_result", "RECEPTION", at(5, 9), at(5, 14), at(5, 14), "default"),
    ]
    # Returning the result is not counted: the clock stopped when head_approval was done.
    assert (result.processed_at, result.outcome, result.within_appointment) == (
        at(5, 9), "on_time", True)
    assert result.finished_at == at(5, 14)


def test_a_supplement_pauses_the_clock_and_the_resubmission_restarts_it(
        app, session, procedures):
    result = run(app, session, procedures["business_household"],
                 decisions={"review": ["supplement", "approve"]})

    assert [(s.step, s.completed_at) for s in result.path] == [
        ("review", at(4, 9)),
        # 120 h = 15 working days of waiting for the citizen.
        ("request_supplement", at(25, 9)),
        ("review", at(27, 9)),
        ("head_approval", at(30, 9)),
        ("return_result", at(30, 14)),
    ]
    assert [(c["event"], c["at"]) for c in result.clock] == [
        ("deadline.paused", at(4, 9)), ("deadline.restarted", at(25, 9)),
        ("deadline.stopped", at(30, 9))]
    # Restarted from zero on Wed 25 Mar: 3 working days later.
    assert (result.first_appointment_at, result.appointment_at) == (at(5, 9), at(30, 9))
    assert result.within_appointment


def test_a_list_of_decisions_is_used_in_turn(app, session, procedures):
    result = run(app, session, procedures["business_household"],
                 decisions={"review": ["supplement", "supplement"]})

    assert [s.variant for s in result.path if s.step == "review"] == [
        "supplement", "supplement", "approve"]
    assert result.finished


def test_a_refusal_ends_the_run_with_the_refused_status(app, session, procedures):
    result = run(app, session, procedures["business_household"], decisions={"review": "refuse"})

    assert [s.step for s in result.path] == ["review"]
    assert (result.finished, int(result.status), result.processed_at) == (True, 3, at(4, 9))


def test_a_loop_stops_at_max_steps_with_a_clear_error(app, session, procedures):
    result = run(app, session, procedures["business_household"],
                 decisions={"review": ["supplement"] * 50}, max_steps=10)

    assert not result.finished
    assert result.finished_at is None
    assert not result.within_appointment
    assert len(result.path) == 10
    assert result.error == ("stopped after 10 steps without finishing; 'review' ran 5 times: "
                            "the path loops. Give that step a decision that leaves the loop, "
                            "or fix the model")


def test_a_step_without_sample_data_is_named(app, session, procedures):
    samples = copy.deepcopy(load_samples(WORKFLOWS, "business_household"))
    del samples["steps"]["head_approval"]

    with pytest.raises(SamplesMissing, match="step 'head_approval' has no sample data"):
        run(app, session, procedures["business_household"], samples=samples)


def test_sample_data_that_its_form_refuses_is_reported(app, session, procedures):
    samples = copy.deepcopy(load_samples(WORKFLOWS, "business_household"))
    samples["steps"]["head_approval"]["default"] = {"household_business_code": 12}

    with pytest.raises(InvalidFormData) as refused:
        run(app, session, procedures["business_household"], samples=samples)

    assert refused.value.details["form"] == "business_household/head_approval"


def test_an_intake_sample_that_its_form_refuses_is_reported(app, session, procedures):
    samples = copy.deepcopy(load_samples(WORKFLOWS, "business_household"))
    del samples["intake"]["business_name"]

    with pytest.raises(InvalidFormData) as refused:
        run(app, session, procedures["business_household"], samples=samples)

    assert refused.value.details["form"] == "business_household/intake"
    assert refused.value.details["fields"] == [{"field": "business_name", "code": "required",
                                                "message": "is required"}]


@pytest.mark.parametrize("decisions, message", [
    ({"sign": "approve"}, "decisions name step 'sign', which the model does not have"),
    ({"review": "maybe"}, "step 'review' has no sample variant 'maybe'"),
    ({"review": 3}, "the decision for 'review' must be a variant name or a list"),
])
def test_decisions_must_name_steps_and_variants_that_exist(app, session, procedures,
                                                           decisions, message):
    with pytest.raises(InvalidInput, match=message):
        run(app, session, procedures["business_household"], decisions=decisions)


def test_a_timer_fires_at_the_simulated_clock(app, session):
    ctx = app.extensions["motcua"]
    codes = {d["code"] for d in load_departments()}
    definition = load_procedure(FIXTURES / "timer_step", forms=ctx.forms, department_codes=codes)
    sign = {"signer_position": "chairman"}
    samples = {"intake": SCENARIOS["certified_copy"]["intake"],
               "steps": {"prepare": {"default": sign}, "publish": {"default": sign}}}

    # SpiffWorkflow compares timers with the wall clock: hold it at the start.
    with time_machine.travel(MON_0900, tick=False):
        result = run(app, session, definition, samples=samples)

    assert [(s.step, s.ready_at, s.completed_at) for s in result.path] == [
        ("prepare", at(2, 9), at(2, 14)),
        # The timer waits working_hours(4) from Mon 14:00: Tue 09:00.
        ("publish", at(3, 9), at(3, 14)),
    ]
    assert result.finished


@pytest.mark.parametrize("source", ["while True: pass", "x = sum(range(10**11))",
                                    "x = 'a' * 10**9"])
def test_a_runaway_draft_script_ends_the_trial_run_with_an_error(app, session, tmp_path, source):
    ctx = app.extensions["motcua"]
    codes = {d["code"] for d in load_departments()}
    folder = procedure_folder(tmp_path, model(REVIEW, script(source), REVIEW))
    definition = load_procedure(folder, forms=ctx.forms, department_codes=codes)
    sign = {"signer_position": "chairman"}
    samples = {"intake": SCENARIOS["certified_copy"]["intake"], "steps": {"n0": {"default": sign}}}

    result = run(app, session, definition, samples=samples)

    assert not result.finished
    assert result.path == []  # completing n0 ran the script, which was stopped
    assert "the workflow engine failed at 'n0'" in result.error
    assert "was stopped" in result.error


@pytest.mark.parametrize("role", ["receptionist", "officer", "head", "leader", "supervisor"])
def test_only_designers_and_admins_test_run_a_version(app, session, staff, role):
    person = next(p for p in staff.values() if session.get(User, p.id).role == role)
    code = PROCEDURE_CODES["business_household"]
    before = snapshot(session)

    with pytest.raises(NotPermitted, match="designers and admins do"):
        trial_run_version(session, app.extensions["motcua"], code=code, number=1,
                          user=session.get(User, person.id), workflows_dir=WORKFLOWS,
                          decisions=None, start_at=MON_0900)

    assert snapshot(session) == before


@pytest.mark.usefixtures("restore_versions")
def test_a_trial_run_of_a_stored_draft_writes_nothing(app, session, staff):
    ctx = app.extensions["motcua"]
    code = PROCEDURE_CODES["business_household"]
    published = session.scalars(select(ProcedureVersion).where(
        ProcedureVersion.procedure_code == code, ProcedureVersion.state == "published")).one()
    model = parse_model(with_step_after_head_approval(xml_of(session, published))
                        .encode("utf-8"), process_id="business_household", file_name="draft")
    store_model(session, model, now=MON_0900)
    number = session.scalar(select(func.max(ProcedureVersion.number)).where(
        ProcedureVersion.procedure_code == code)) + 1
    session.add(ProcedureVersion(procedure_code=code, number=number, state="draft",
                                 spec_hash=model.hash, meta=published.meta, forms={},
                                 author="designer", change_note="draft", created_at=MON_0900))
    session.commit()
    designer = session.get(User, staff["designer"].id)
    before = snapshot(session)

    result = trial_run_version(session, ctx, code=code, number=published.number,
                               user=designer, workflows_dir=WORKFLOWS, decisions=None,
                               start_at=MON_0900)
    with pytest.raises(SamplesMissing, match="step 'publish_notice' has no sample data"):
        trial_run_version(session, ctx, code=code, number=number, user=designer,
                          workflows_dir=WORKFLOWS, decisions={"review": "supplement"},
                          start_at=MON_0900)

    assert result.finished
    assert snapshot(session) == before

