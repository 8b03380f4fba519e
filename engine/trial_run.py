"""Test-run a model in memory with sample data: the path a dossier takes and when.

Nothing is written anywhere. Every human step is completed with the sample data of the
chosen variant once its whole budget has passed on a simulated clock, timers fire when the
simulated clock reaches them, and the statutory clock (appointment, pauses while the center
waits for the citizen, restarts on resubmission, stop when processed) follows the same rules
as for real dossiers. (Named trial_run, not test_run, so pytest does not collect it.)
"""

import json
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from engine.access import check_can_design
from engine.calendar import WorkingCalendar
from engine.context import EngineContext
from engine.deadlines import StatutoryDeadline, Verdict
from engine.errors import InvalidFormData, InvalidInput
from engine.form_samples import generate_samples
from engine.memory_unit_of_work import InMemoryUnitOfWork
from engine.models import HumanTask, User
from engine.procedures import get_procedure_or_raise
from engine.specs import ParsedModel
from engine.statuses import Channel, DossierStatus
from engine.validation import unrunnable_problems
from engine.versions import VersionInvalid, get_version_or_raise
from forms.catalog import UnknownForm

SAMPLES_FILE = "samples.json"
DEFAULT_VARIANTS = ("approve", "default")
ACTOR = "trial-run"


class SamplesMissing(InvalidInput):
    """There is no sample data for the procedure or for a step it reached."""

    code = "samples_missing"


@dataclass(frozen=True)
class TrialStep:
    """A human step on the path: when it was ready, due and (after its budget) completed."""

    step: str
    name: str
    department: str | None
    ready_at: datetime
    due_at: datetime
    completed_at: datetime
    variant: str


@dataclass(frozen=True)
class TrialRun:
    """The path a dossier took through the model and how it did against the appointment.

    `appointment_at` is the appointment in force at the end (a supplement restarts it);
    `processed_at` is when the statutory clock stopped, `outcome` the verdict at that moment.
    """

    started_at: datetime
    path: list[TrialStep]
    first_appointment_at: datetime
    appointment_at: datetime
    finished: bool
    finished_at: datetime | None
    status: DossierStatus
    processed_at: datetime | None
    outcome: str | None
    within_appointment: bool
    clock: list[dict]
    error: str | None = None


def load_samples(workflows_dir: Path, folder: str | None) -> dict:
    """Read workflows/<folder>/samples.json: {"intake": {...}, "steps": {step: {variant: data}}}."""
    if folder is None:
        raise SamplesMissing("the procedure has no folder under workflows/, so there is no "
                             f"{SAMPLES_FILE} to test-run it with", reason="no_folder")
    path = Path(workflows_dir) / folder / SAMPLES_FILE
    try:
        samples = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SamplesMissing(f"workflows/{folder}/{SAMPLES_FILE} does not exist: add sample "
                             'intake and step data, {"intake": {...}, "steps": {"<step id>": '
                             '{"<decision or default>": {...}}}}', file=str(path),
                             reason="no_samples_file", folder=folder) from None
    except (OSError, json.JSONDecodeError) as err:
        raise InvalidInput(f"cannot read workflows/{folder}/{SAMPLES_FILE}: {err}",
                           file=str(path), reason="samples_unreadable", folder=folder) from None
    return samples


def samples_or_generated(ctx: EngineContext, workflows_dir: Path, folder: str | None, *,
                         model: ParsedModel, meta: dict) -> dict:
    """Return the folder's samples.json, or data generated from the forms when it has none.

    Imported and new procedures have no samples yet; their forms say what valid data is.
    """
    try:
        return load_samples(workflows_dir, folder)
    except SamplesMissing as err:
        if err.details.get("reason") not in ("no_folder", "no_samples_file"):
            raise
    return generate_samples(_schema_or_none(ctx), intake_form=meta["intake_form"],
                            step_forms={step.bpmn_id: step.form_key
                                        for step in model.steps.values()})


def _schema_or_none(ctx: EngineContext):
    def schema_of(key: str) -> dict | None:
        try:
            return ctx.forms.schema(key)
        except UnknownForm:
            return None
    return schema_of


def trial_run_version(session: Session, ctx: EngineContext, *, code: str, number: int,
                      user: User, workflows_dir: Path, decisions: dict | None,
                      start_at: datetime, max_steps: int = 200) -> TrialRun:
    """Test-run version `number` of a procedure with the samples of its workflows/ folder.

    Without samples.json (or without a folder) the samples are generated from the forms.

    Only reads: the version's model and metadata, the procedure's folder and the calendar.
    A draft's scripts are code nobody has reviewed yet: only designers and admins run them.
    A draft that would hold the worker for ever (a call activity calling its own process)
    is refused unrun.
    """
    check_can_design(user, "test-run procedure versions, which runs their drafts' scripts")
    procedure = get_procedure_or_raise(session, code)
    version = get_version_or_raise(session, code, number)
    model = ctx.model(session, version.spec_hash)
    problems = unrunnable_problems(model.bpmn_xml.encode("utf-8"), model.process_id)
    if problems:
        raise VersionInvalid(f"version {number} cannot run: fix the problems listed first",
                             problems, reason="unrunnable", number=number)
    samples = samples_or_generated(ctx, workflows_dir, procedure.folder, model=model,
                                   meta=version.meta)
    return trial_run(ctx, model=model, meta=version.meta, samples=samples, decisions=decisions,
                     start_at=start_at, calendar=ctx.calendar(session), max_steps=max_steps)


def trial_run(ctx: EngineContext, *, model: ParsedModel, meta: dict, samples: dict,
              decisions: dict[str, str | list[str]] | None, start_at: datetime,
              calendar: WorkingCalendar, max_steps: int = 200) -> TrialRun:
    """Run the model in memory from `start_at`, completing each step with its sample data.

    A step takes its whole budget in working hours. Its sample variant comes from
    `decisions` (step id → variant, or a list of variants used in turn each time the step
    comes back, e.g. ["supplement", "approve"]), then from the "approve" or "default"
    variant. A model that loops, or waits for something a trial cannot simulate, stops
    with `error` set and the path so far. SpiffWorkflow compares timers with the wall
    clock, so a run started in the past sees its BPMN timers fire as soon as they wait.
    """
    _check_samples(samples)
    _check_form(ctx, meta["intake_form"], samples["intake"])
    choices = _decisions(decisions, samples, model)
    run = _Simulation(ctx, model, meta, samples, choices, calendar, start_at)
    return run.play(max_steps)


class _Simulation:
    """One trial run: a dossier's unit of work in memory, on a simulated clock."""

    def __init__(self, ctx: EngineContext, model: ParsedModel, meta: dict, samples: dict,
                 choices: dict[str, deque], calendar: WorkingCalendar, start_at: datetime):
        self.ctx, self.model, self.samples = ctx, model, samples
        self.choices, self.calendar = choices, calendar
        self.unit = InMemoryUnitOfWork(ctx, calendar=calendar,
                                       deadline=StatutoryDeadline.of(meta), now=start_at)
        self.started_at = start_at
        self.current_step = "start"
        self.path: list[TrialStep] = []
        self.clock_events: list[dict] = []
        self.first_appointment = self.unit.dossier.appointment_at

    def play(self, max_steps: int) -> TrialRun:
        error, progress = None, None
        try:
            progress = self._observe(self.unit.start(
                self.model, {**self.samples["intake"], "channel": int(Channel.COUNTER)}))
            moves = 0
            while not progress.finished:
                if moves >= max_steps:
                    error = self._looping(max_steps)
                    break
                progress, error = self._advance(progress)
                if error:
                    break
                moves += 1
        except (InvalidInput, InvalidFormData):
            raise
        except Exception as err:  # noqa: BLE001 - the designer sees the engine's failure
            error = (f"the workflow engine failed at '{self.current_step}' on "
                     f"{self.unit.now.isoformat()}: {type(err).__name__}: {str(err)[:500]}")
        return self._result(progress, error)

    def _observe(self, progress):
        """Project what the workflow waits on and note the statutory clock's moves."""
        changes = self.unit.project(progress, actor=ACTOR)
        self.clock_events += [{"at": self._local(self.unit.now), "event": c.action,
                               **(c.after or {})} for c in changes]
        return progress

    def _advance(self, progress) -> tuple[object, str | None]:
        """Complete the step due first, or fire the timer due before it; return an error."""
        rows = sorted(self.unit.open_rows.values(), key=lambda r: r.due_at)
        timer_at = progress.timer_due_at
        if rows and (timer_at is None or rows[0].due_at < timer_at):
            return self._observe(self._complete(rows[0])), None
        if timer_at is not None:
            self.current_step = "timer"
            self.unit.now = max(self.unit.now, timer_at)
            moved, _ = self.unit.advance(
                lambda workflow: self.ctx.runtime.fire_timers(workflow, self.unit.now))
            return self._observe(moved), None
        return progress, (f"the workflow stopped on {self.unit.now.isoformat()} waiting for "
                          "something a trial run cannot simulate (a message or a signal); no "
                          "step is open and no timer is due")

    def _complete(self, row: HumanTask):
        variant, data = self._sample(row.step)
        self.current_step = row.step
        self.unit.now = max(self.unit.now, row.due_at)
        progress, _ = self.unit.advance(
            lambda workflow: self.ctx.runtime.complete_step(workflow, row.workflow_task_id, data))
        self.path.append(TrialStep(step=row.step, name=row.step_name,
                                   department=row.department_code,
                                   ready_at=self._local(row.created_at),
                                   due_at=self._local(row.due_at),
                                   completed_at=self._local(self.unit.now), variant=variant))
        return progress

    def _local(self, moment: datetime | None) -> datetime | None:
        """A designer reads a trial run in the center's zone (the models hold UTC)."""
        return None if moment is None else moment.astimezone(self.calendar.zone)

    def _sample(self, step_id: str) -> tuple[str, dict]:
        variants = self.samples["steps"].get(step_id)
        if not variants:
            raise SamplesMissing(
                f"step '{step_id}' has no sample data: add "
                f'"steps": {{"{step_id}": {{"default": {{...}}}}}} to samples.json', step=step_id,
                reason="no_step_samples")
        queued = self.choices.get(step_id)
        variant = queued.popleft() if queued else _default_variant(step_id, variants)
        data = variants[variant]
        _check_form(self.ctx, self.model.steps[step_id].form_key, data)
        return variant, data

    def _looping(self, max_steps: int) -> str:
        counts = Counter(step.step for step in self.path).most_common(1)
        looped = f"; '{counts[0][0]}' ran {counts[0][1]} times" if counts else ""
        return (f"stopped after {max_steps} steps without finishing{looped}: the path loops. "
                "Give that step a decision that leaves the loop, or fix the model")

    def _result(self, progress, error: str | None) -> TrialRun:
        finished = bool(progress and progress.finished and error is None)
        status = progress.status if progress else DossierStatus.ACCEPTED
        dossier = self.unit.dossier
        outcome = dossier.outcome
        return TrialRun(
            started_at=self._local(self.started_at),
            path=self.path, first_appointment_at=self._local(self.first_appointment),
            appointment_at=self._local(dossier.appointment_at), finished=finished,
            finished_at=self._local(self.unit.now) if finished else None,
            status=DossierStatus(status),
            processed_at=self._local(dossier.processed_at), outcome=outcome,
            within_appointment=dossier.processed_at is not None and outcome in (
                Verdict.EARLY, Verdict.ON_TIME),
            clock=self.clock_events, error=error)


def _check_form(ctx: EngineContext, form_key: str, data: dict) -> None:
    """Refuse sample data a real dossier's form would refuse."""
    try:
        problems = ctx.forms.field_problems(form_key, data)
    except UnknownForm:
        return  # a draft's new form is not in the catalog yet: nothing to check against
    if problems:
        raise InvalidFormData(form_key, problems)


def _default_variant(step_id: str, variants: dict) -> str:
    for name in DEFAULT_VARIANTS:
        if name in variants:
            return name
    if len(variants) == 1:
        return next(iter(variants))
    raise SamplesMissing(f"step '{step_id}' has variants {sorted(variants)} and none is "
                         f"'approve' or 'default': choose one in decisions", step=step_id,
                         reason="no_default_variant", variants=sorted(variants))


def _check_samples(samples: dict) -> None:
    if not isinstance(samples, dict) or not isinstance(samples.get("intake"), dict):
        raise SamplesMissing('samples.json needs "intake": the intake form data to start with',
                             reason="no_intake")
    steps = samples.get("steps")
    if not isinstance(steps, dict) or not all(
            isinstance(variants, dict) and all(isinstance(d, dict) for d in variants.values())
            for variants in steps.values()):
        raise SamplesMissing('samples.json needs "steps": {"<step id>": {"<variant>": {...}}}',
                             reason="no_steps")


def _decisions(decisions: dict | None, samples: dict, model: ParsedModel) -> dict[str, deque]:
    """Check the chosen variants and queue them per step; a single variant is used once."""
    queued = {}
    for step_id, chosen in (decisions or {}).items():
        if step_id not in model.steps:
            raise InvalidInput(f"decisions name step '{step_id}', which the model does not "
                               f"have; its steps are {sorted(model.steps)}", field="decisions",
                               reason="unknown_step", step=step_id, known=sorted(model.steps))
        variants = [chosen] if isinstance(chosen, str) else chosen
        if not isinstance(variants, list) or not all(isinstance(v, str) for v in variants):
            raise InvalidInput(f"the decision for '{step_id}' must be a variant name or a list "
                               "of them", field="decisions", reason="decision_not_variants",
                               step=step_id)
        known = samples["steps"].get(step_id, {})
        unknown = [v for v in variants if v not in known]
        if unknown:
            raise SamplesMissing(f"step '{step_id}' has no sample variant {unknown[0]!r}; "
                                 f"samples.json has {sorted(known)}", step=step_id,
                                 reason="unknown_variant", variant=unknown[0], known=sorted(known))
        queued[step_id] = deque(variants)
    return queued
