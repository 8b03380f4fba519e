"""A dossier looped many times stores only what can still run, and ends exactly as without it."""

import json

import pytest
from SpiffWorkflow.util.task import TaskState as SpiffTaskState
from sqlalchemy import func, select

from engine.compaction import KEEP_TASKS, compact
from engine.dossiers import receive_dossier
from engine.models import AuditEvent, Dossier, HumanTask, User
from engine.procedures import load_procedures
from engine.projection import open_tasks
from engine.runtime import ProcessRuntime
from engine.script_engine import create_script_engine
from engine.statuses import Channel, DossierStatus, TaskState
from engine.tasks import claim_task, complete_task
from forms import FormCatalog
from tests.conftest import NOW
from tests.e2e.helpers import APPLICANT
from tests.scenarios import PROCEDURE_CODES, SCENARIOS, WORKER

DEFINITIONS = {d.folder: d for d in load_procedures(forms=FormCatalog())[1]}
# Every shipped procedure's review can ask for a supplement and come back to it: how many
# steps lead to that review.
LOOPING = {
    "birth_registration": 0,
    "business_household": 0,
    "certified_copy": 0,
    "ending_substitute_care": 2,
    "first_land_registration": 1,
}


def loop_path(folder: str, loops: int) -> list[tuple[str, dict]]:
    """Return the steps that take a dossier through `loops` supplements and then finish it."""
    before = LOOPING[folder]
    supplement = SCENARIOS[folder]["supplement"]
    return (supplement[:before] + supplement[before:before + 2] * loops
            + SCENARIOS[folder]["happy"][before:])


def run(folder: str, path: list, *, restore_between_steps: bool):
    runtime = ProcessRuntime(script_engine=create_script_engine(), cache_bytes=0)
    model = DEFINITIONS[folder].model
    workflow = runtime.start(model, dict(SCENARIOS[folder]["intake"]))
    most_tasks = 0
    for step, form_data in path:
        if restore_between_steps:
            workflow = runtime.restore(model, runtime.dump(workflow))
        most_tasks = max(most_tasks, len(workflow.tasks))
        (open_step,) = [s for s in runtime.progress(model, workflow).open_steps
                        if s.step.bpmn_id == step]
        runtime.complete_step(workflow, open_step.workflow_task_id, form_data)
    return runtime.progress(model, workflow), workflow, most_tasks


def completed_specs(workflow) -> set[str]:
    return {t.task_spec.name for t in workflow.get_tasks(state=SpiffTaskState.COMPLETED)}


@pytest.mark.parametrize("folder", sorted(LOOPING))
def test_a_dossier_looped_forty_times_ends_as_one_never_compacted(folder):
    path = loop_path(folder, 40)

    straight, straight_wf, straight_most = run(folder, path, restore_between_steps=False)
    stored, stored_wf, stored_most = run(folder, path, restore_between_steps=True)

    assert straight.finished and stored.finished
    assert stored.status == straight.status == DossierStatus.RESULT_RETURNED
    assert stored_wf.data == straight_wf.data
    assert stored_wf.last_task.data == straight_wf.last_task.data
    assert completed_specs(stored_wf) == completed_specs(straight_wf)
    assert straight_most > 160
    assert stored_most < KEEP_TASKS + 20


def test_an_ordinary_dossier_is_never_compacted():
    runtime = ProcessRuntime(script_engine=create_script_engine(), cache_bytes=0)
    model = DEFINITIONS["business_household"].model
    workflow = runtime.start(model, dict(SCENARIOS["business_household"]["intake"]))
    for step, form_data in SCENARIOS["business_household"]["supplement"]:
        (open_step,) = [s for s in runtime.progress(model, workflow).open_steps
                        if s.step.bpmn_id == step]
        runtime.complete_step(workflow, open_step.workflow_task_id, form_data)
    tasks = set(workflow.tasks)

    removed = compact(workflow)

    assert removed == 0 and set(workflow.tasks) == tasks


def test_the_stored_state_of_a_long_loop_stays_small_and_restores_to_the_same_steps():
    runtime = ProcessRuntime(script_engine=create_script_engine(), cache_bytes=0)
    model = DEFINITIONS["business_household"].model
    workflow = runtime.start(model, dict(SCENARIOS["business_household"]["intake"]))
    sizes = []
    for _ in range(60):
        for step, form_data in loop_path("business_household", 1)[:2]:
            (open_step,) = [s for s in runtime.progress(model, workflow).open_steps
                            if s.step.bpmn_id == step]
            runtime.complete_step(workflow, open_step.workflow_task_id, form_data)
        state = runtime.dump(workflow)
        sizes.append(len(json.loads(state)["tasks"]))

    restored = runtime.restore(model, state)

    assert max(sizes[20:]) == max(sizes[50:]) <= KEEP_TASKS + 20
    assert ([s.workflow_task_id for s in runtime.progress(model, restored).open_steps]
            == [s.workflow_task_id for s in runtime.progress(model, workflow).open_steps])


def test_forty_supplements_through_the_use_cases_keep_every_step_in_the_history(
        session, app, staff):
    ctx = app.extensions["motcua"]
    reception = session.get(User, staff["reception"].id)
    dossier, _ = receive_dossier(session, ctx,
                                 procedure_code=PROCEDURE_CODES["business_household"],
                                 applicant=APPLICANT, channel=Channel.COUNTER,
                                 intake=SCENARIOS["business_household"]["intake"],
                                 user=reception, now=NOW)
    path = loop_path("business_household", 40)

    for name, data in path:
        (task,) = [t for t in open_tasks(session, dossier) if t.step == name]
        worker = session.get(User, staff[WORKER[(task.department_code, task.required_role)]].id)
        claim_task(session, ctx, task_id=task.id, user=worker, now=NOW)
        complete_task(session, ctx, task_id=task.id, data=data, user=worker, now=NOW)

    session.expire_all()
    dossier = session.get(Dossier, dossier.id)
    assert dossier.status == DossierStatus.RESULT_RETURNED and dossier.finished_at is not None
    assert len(json.loads(dossier.workflow_state)["tasks"]) < KEEP_TASKS + 20
    reviews = session.scalar(select(func.count()).select_from(HumanTask).where(
        HumanTask.dossier_id == dossier.id, HumanTask.step == "review",
        HumanTask.state == TaskState.COMPLETED))
    completions = session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.dossier_code == dossier.code, AuditEvent.action == "task.completed"))
    assert reviews == 41
    assert completions == len(path)
