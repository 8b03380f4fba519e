"""Move a running workflow onto another model: SpiffWorkflow's diff and migrate, behind the seam.

`diff_workflow` aligns the tasks of a running workflow with the specs of the new model and
`migrate_workflow` swaps them in, re-predicting what lies ahead of the open steps. A move is
refused when it would rewrite history (a step already done changed or disappeared), strand
the dossier (its open step is gone), or reach into a subprocess the dossier is running.
"""

from functools import cache

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState as SpiffTaskState

from engine.specs import ParsedModel

# A task in one of these states is where the dossier stands now.
CURRENT_STATES = SpiffTaskState.READY | SpiffTaskState.WAITING | SpiffTaskState.STARTED | (
    SpiffTaskState.ERROR)


class MoveRefused(Exception):
    """The workflow cannot move; the message says why, for the designer."""


def moved_workflow(runtime, workflow: BpmnWorkflow, *, source: ParsedModel,
                   target: ParsedModel, number: int) -> BpmnWorkflow:
    """Return `workflow` moved onto version `number`'s model, or raise MoveRefused.

    Run it with the engine clock bound: timer expressions met on the way are evaluated.
    """
    registry = _spec_registry()
    try:
        top_diff, sub_diffs = diff_workflow(registry, workflow, target.spec,
                                            target.subprocess_specs)
    except Exception as err:  # noqa: BLE001 - the library cannot align the two models
        raise MoveRefused(f"SpiffWorkflow cannot map the workflow onto version {number}: "
                          f"{type(err).__name__}: {err}") from err
    _refuse_unsafe(top_diff, number, source)
    _refuse_changed_subprocesses(workflow, sub_diffs, target, number, registry)
    timers = _unchanged_timers(workflow, top_diff)
    try:
        migrate_workflow(top_diff, workflow, target.spec)
        for sp_id, subprocess in workflow.subprocesses.items():
            migrate_workflow(sub_diffs[sp_id], subprocess,
                             target.subprocess_specs[subprocess.spec.name])
        workflow.subprocess_specs = dict(target.subprocess_specs)
        _keep_timer_due_times(workflow, timers)
        _refuse_unmapped(workflow, target, number)
        # Restoring from JSON gives the restricted script engine back and drops the timer
        # registrations the reset left behind (ENGINE_NOTES: stale timers raise later).
        moved = runtime.restore(target, runtime.dump(workflow))
        moved.do_engine_steps()
    except MoveRefused:
        raise
    except Exception as err:  # noqa: BLE001 - any failure means the move cannot be made
        raise MoveRefused(f"SpiffWorkflow cannot map the workflow onto version {number}: "
                          f"{type(err).__name__}: {str(err)[:300]}") from err
    return moved


@cache
def _spec_registry():
    """Return the converters that turn specs into comparable dicts (as the serializer does)."""
    return BpmnWorkflowSerializer.configure(SPIFF_CONFIG)


def _refuse_unsafe(diff, number: int, source: ParsedModel) -> None:
    for task in diff.removed:
        if task.state == SpiffTaskState.COMPLETED:
            raise MoveRefused(f"the change touches a completed step: '{_label(task, source)}' was "
                           f"already done and version {number} removes it")
        if task.state & CURRENT_STATES:
            raise MoveRefused(f"its current step was removed: '{_label(task, source)}' is not in "
                           f"version {number}")
    for task in diff.changed:
        if task.state == SpiffTaskState.COMPLETED:
            raise MoveRefused(f"the change touches a completed step: '{_label(task, source)}' was "
                           f"already done and version {number} changes its "
                           f"{_changed_attributes(task, diff)}")


def _changed_attributes(task, diff) -> str:
    """Name what changed on a task's spec (inputs and outputs are its sequence flows)."""
    registry = _spec_registry()
    old, new = registry.convert(task.task_spec), registry.convert(diff.alignment[task])
    keys = [key for key, value in old.items() if new.get(key) != value] or ["type"]
    words = {"inputs": "incoming flows", "outputs": "outgoing flows",
             "extensions": "properties", "bpmn_name": "name"}
    return ", ".join(words.get(key, key) for key in keys)


def _refuse_changed_subprocesses(workflow: BpmnWorkflow, sub_diffs: dict,
                                 target_model: ParsedModel, number: int, registry) -> None:
    for sp_id, subprocess in workflow.subprocesses.items():
        name = subprocess.spec.name
        new_spec = target_model.subprocess_specs.get(name)
        if sub_diffs.get(sp_id) is None or new_spec is None:
            raise MoveRefused(f"the dossier's workflow uses subprocess '{name}', which version "
                           f"{number} removes")
        if _comparable(registry, subprocess.spec) != _comparable(registry, new_spec):
            raise MoveRefused(f"the dossier's workflow uses subprocess '{name}', which version "
                           f"{number} changes")


def _comparable(registry, process_spec) -> dict:
    """Return a process spec as a dict, without the file name each stored model gets."""
    converted = registry.convert(process_spec)
    converted.pop("file", None)
    return converted


def _unchanged_timers(workflow: BpmnWorkflow, diff) -> dict:
    """Return what waiting timers whose spec stays the same know (their due time), by task id."""
    changed = set(diff.changed)
    return {task.id: dict(task.internal_data)
            for task in workflow.get_tasks(state=SpiffTaskState.WAITING)
            if "event_value" in task.internal_data and task not in changed}


def _keep_timer_due_times(workflow: BpmnWorkflow, timers: dict) -> None:
    """Put back the due times the reset recomputed from now: moving must not restart a wait."""
    for task in workflow.get_tasks(state=SpiffTaskState.WAITING):
        if task.id in timers:
            task.internal_data = timers[task.id]


def _refuse_unmapped(workflow: BpmnWorkflow, target_model: ParsedModel, number: int) -> None:
    """Refuse when some task still points at a spec the target model does not have."""
    workflows = [workflow, *workflow.subprocesses.values()]
    for each in workflows:
        for task in each.get_tasks(skip_subprocesses=True):
            if each.spec.task_specs.get(task.task_spec.name) is not task.task_spec:
                raise MoveRefused(f"SpiffWorkflow cannot map the workflow onto version {number}: "
                               f"task '{task.task_spec.name}' "
                               f"({SpiffTaskState.get_name(task.state)}) has no counterpart")


def _label(task, model: ParsedModel) -> str:
    step = model.steps.get(task.task_spec.bpmn_id) if task.task_spec.bpmn_id else None
    name = step.name if step else (task.task_spec.bpmn_name or task.task_spec.name)
    bpmn_id = task.task_spec.bpmn_id or task.task_spec.name
    return name if name == bpmn_id else f"{bpmn_id}: {name}"
