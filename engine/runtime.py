"""Run dossiers' workflows: start, restore, advance a human step, and read what is open."""

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID
from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState as SpiffTaskState

from engine.compaction import compact
from engine.serialization import WorkflowSerializer
from engine.specs import ParsedModel, Step, parse_model
from engine.statuses import DossierStatus
from engine.workflow_cache import WorkflowCache
from engine.workflow_moves import moved_workflow

# The most a dossier's workflow state may take when stored. 200 supplement loops, far past any
# real dossier, stored about 310 KB before engine.compaction (17 KB since; a loop through a
# parallel branch is not compacted); 8 MB leaves 25 times that and still restores in well
# under a second. Each step's task data is bounded too (engine.storable.MAX_STEP_BYTES).
MAX_STATE_BYTES = 8 * 1024 * 1024
# Stored-state bytes of the restored workflows a process keeps between steps (in memory they
# take about three and a half times that): thousands of ordinary dossiers, or a hundred with
# 200 supplement loops each.
DEFAULT_CACHE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class OpenStep:
    """A human step the workflow is waiting on."""

    workflow_task_id: str
    step: Step


@dataclass(frozen=True)
class Progress:
    """What a workflow waits for after its engine steps ran."""

    open_steps: list[OpenStep]
    finished: bool
    status: DossierStatus
    timer_due_at: datetime | None = None


class StepNotReady(Exception):
    """The workflow task behind a human step is not ready to run."""


class WorkflowStateTooLarge(Exception):
    """The workflow state is larger than a dossier may store."""


class ProcessRuntime:
    """The one place that drives SpiffWorkflow: models by hash, the serializer, the sandbox.

    Workflows a step dumps are kept (engine.workflow_cache) and handed to the next restore of
    exactly that state on that model, instead of being deserialized again. Nothing of the
    engine clock lives in a workflow: timers and the helpers read the clock bound while the
    engine runs, and the script engine is set again on every restore, cached or not.
    """

    def __init__(self, *, script_engine, serializer: WorkflowSerializer | None = None,
                 cache_bytes: int = DEFAULT_CACHE_BYTES):
        self.script_engine = script_engine
        self.serializer = serializer or WorkflowSerializer()
        self.cache = WorkflowCache(max_bytes=cache_bytes)
        self._models: dict[str, ParsedModel] = {}
        # The model each workflow in use was started or restored on, to file its next state.
        self._model_of: WeakKeyDictionary[BpmnWorkflow, ParsedModel] = WeakKeyDictionary()
        self._model_of_lock = threading.Lock()

    def remember(self, model: ParsedModel) -> None:
        """Cache a parsed model under its hash."""
        self._models[model.hash] = model

    def model(self, spec_hash: str, load_xml) -> ParsedModel:
        """Return the model with this hash, parsing the stored XML the first time it is needed.

        `load_xml` returns the stored BPMN XML, process id and decision tables.
        """
        model = self._models.get(spec_hash)
        if model is None:
            xml, process_id, decisions = load_xml(spec_hash)
            model = parse_model(xml.encode("utf-8"), process_id=process_id,
                                file_name=f"stored model {spec_hash[:12]}", decisions=decisions)
            self._models[spec_hash] = model
        return model

    def start(self, model: ParsedModel, data: dict) -> BpmnWorkflow:
        """Create a workflow for a new dossier and run it up to its first human steps."""
        workflow = BpmnWorkflow(model.spec, model.subprocess_specs,
                                script_engine=self.script_engine)
        workflow.data.update(data)
        start = workflow.get_tasks(state=SpiffTaskState.READY)
        for task in start:
            task.data.update(data)
        workflow.do_engine_steps()
        self._track(workflow, model)
        return workflow

    def restore(self, model: ParsedModel, state: str) -> BpmnWorkflow:
        """Return the dossier's workflow in its committed state, for this caller alone."""
        workflow = self.cache.check_out(model.hash, state)
        if workflow is None:
            workflow = self.serializer.load_workflow(state, model.spec, model.subprocess_specs,
                                                     self.script_engine)
        else:
            workflow.script_engine = self.script_engine
        self._track(workflow, model)
        return workflow

    def dump(self, workflow: BpmnWorkflow) -> str:
        """Return the workflow state to commit; raise WorkflowStateTooLarge past MAX_STATE_BYTES.

        Finished loop iterations are dropped first (engine.compaction). The workflow is kept
        for the next restore of this state: change it no more.
        """
        compact(workflow)
        state = self.serializer.dump_workflow(workflow)
        if len(state) > MAX_STATE_BYTES:
            raise WorkflowStateTooLarge(
                f"the workflow state would take {len(state) / 2**20:.1f} MB, more than the "
                f"{MAX_STATE_BYTES // 2**20} MB a dossier may store: its scripts or forms keep "
                "too much task data; store less, and 'del' variables no longer needed")
        with self._model_of_lock:
            model = self._model_of.pop(workflow, None)
        # A workflow moved onto another model (engine.migration) runs on a spec its tracked
        # model does not have: restoring its state on that model would not give it back.
        if model is not None and workflow.spec is model.spec:
            self.cache.check_in(model.hash, state, workflow)
        return state

    def _track(self, workflow: BpmnWorkflow, model: ParsedModel) -> None:
        with self._model_of_lock:
            self._model_of[workflow] = model

    def complete_step(self, workflow: BpmnWorkflow, workflow_task_id: str, data: dict) -> None:
        """Run a ready human step with its form data, then the engine steps that follow."""
        task = workflow.get_task_from_id(UUID(workflow_task_id))
        # task.run() does not check state: running a predicted task would mark it completed.
        if task is None or task.state != SpiffTaskState.READY:
            raise StepNotReady(workflow_task_id)
        task.set_data(**data)
        task.run()
        workflow.do_engine_steps()

    def move(self, workflow: BpmnWorkflow, *, source: ParsedModel, target: ParsedModel,
             number: int) -> BpmnWorkflow:
        """Return the workflow moved onto version `number`'s model (raise MoveRefused)."""
        return moved_workflow(self, workflow, source=source, target=target, number=number)

    def cancel(self, workflow: BpmnWorkflow) -> None:
        """Cancel the workflow: no step opens and no timer waits or fires for it any more."""
        workflow.cancel()

    def progress(self, model: ParsedModel, workflow: BpmnWorkflow) -> Progress:
        """Describe the open human steps and the dossier status they imply."""
        ready = workflow.get_tasks(state=SpiffTaskState.READY, manual=True)
        open_steps = [OpenStep(str(t.id), model.step(t.task_spec.bpmn_id)) for t in ready]
        if workflow.is_completed():
            return Progress([], True, _final_status(model, workflow))
        explicit = [s.step.status for s in open_steps if s.step.status is not None]
        status = max(explicit) if explicit else DossierStatus.PROCESSING
        due = [at for _, at in _waiting_timers(workflow)]
        return Progress(open_steps, False, status, min(due, default=None))

    def fire_timers(self, workflow: BpmnWorkflow, now: datetime) -> int:
        """Fire the timers due at `now`; run it inside engine_clock so SpiffWorkflow agrees."""
        due = [task for task, at in _waiting_timers(workflow) if at <= now]
        if due:
            workflow.refresh_timers()
            workflow.do_engine_steps()
        return len(due)


def _final_status(model: ParsedModel, workflow: BpmnWorkflow) -> DossierStatus:
    """Return the status named by the end event the workflow finished on."""
    ended = workflow.get_tasks(state=SpiffTaskState.COMPLETED)
    for task in ended:
        status = model.end_statuses.get(task.task_spec.bpmn_id)
        if status is not None:
            return status
    return DossierStatus.RESULT_RETURNED


def _waiting_timers(workflow: BpmnWorkflow) -> list[tuple[object, datetime]]:
    """Return each waiting timer task with its absolute due time."""
    timers = []
    for task in workflow.get_tasks(state=SpiffTaskState.WAITING):
        value = task.internal_data.get("event_value")
        if isinstance(value, dict):
            value = value.get("next") if value.get("cycles", 0) != 0 else None
        if not isinstance(value, str) or value.upper().startswith("P"):
            continue
        at = datetime.fromisoformat(value)
        timers.append((task, at if at.tzinfo else at.replace(tzinfo=UTC)))
    return timers
