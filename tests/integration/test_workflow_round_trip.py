"""Each procedure gives the same result straight through and with a save/restore between steps.

Their runtimes keep no workflow cache: every restore here deserializes the stored JSON.
"""

import json

import pytest

from engine.procedures import load_procedures
from engine.runtime import ProcessRuntime
from engine.script_engine import create_script_engine
from forms import FormCatalog
from tests.scenarios import SCENARIOS

DEFINITIONS = {d.folder: d for d in load_procedures(forms=FormCatalog())[1]}


def run(folder: str, path: str, *, restore_between_steps: bool):
    runtime = ProcessRuntime(script_engine=create_script_engine(), cache_bytes=0)
    model = DEFINITIONS[folder].model
    workflow = runtime.start(model, dict(SCENARIOS[folder]["intake"]))
    taken = []
    for step, form_data in SCENARIOS[folder][path]:
        if restore_between_steps:
            workflow = runtime.restore(model, runtime.dump(workflow))
        progress = runtime.progress(model, workflow)
        (open_step,) = [s for s in progress.open_steps if s.step.bpmn_id == step]
        runtime.complete_step(workflow, open_step.workflow_task_id, form_data)
        taken.append(step)
    return runtime.progress(model, workflow), workflow, taken


@pytest.mark.parametrize("path", ["happy", "supplement"])
@pytest.mark.parametrize("folder", sorted(SCENARIOS))
def test_save_and_restore_between_steps_changes_nothing(folder, path):
    straight, straight_wf, _ = run(folder, path, restore_between_steps=False)

    restored, restored_wf, taken = run(folder, path, restore_between_steps=True)

    assert straight.finished and restored.finished
    assert restored.status == straight.status == 10
    assert restored_wf.data == straight_wf.data
    assert taken == [step for step, _ in SCENARIOS[folder][path]]


def test_a_restored_workflow_runs_in_the_restricted_environment():
    runtime = ProcessRuntime(script_engine=create_script_engine(), cache_bytes=0)
    model = DEFINITIONS["birth_registration"].model
    workflow = runtime.start(model, dict(SCENARIOS["birth_registration"]["intake"]))

    restored = runtime.restore(model, runtime.dump(workflow))

    assert restored.script_engine is runtime.script_engine


def test_the_stored_state_leaves_the_model_out():
    runtime = ProcessRuntime(script_engine=create_script_engine(), cache_bytes=0)
    model = DEFINITIONS["first_land_registration"].model
    workflow = runtime.start(model, dict(SCENARIOS["first_land_registration"]["intake"]))

    state = json.loads(runtime.dump(workflow))

    assert "spec" not in state
    assert "subprocess_specs" not in state
