"""Move running dossiers onto another version of their procedure's model.

SpiffWorkflow's `diff_workflow` aligns the tasks of a running workflow with the specs of the
new model and `migrate_workflow` swaps them in, re-predicting what lies ahead of the open
steps. A move is refused when it would rewrite history (a step already done changed or
disappeared), strand the dossier (its open step is gone), or reach into a subprocess the
dossier is running; everything else is tried in memory first and refused if the result
cannot be saved and restored.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState as SpiffTaskState
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import audit
from engine.access import check_can_design
from engine.context import EngineContext
from engine.deadlines import reminder_time
from engine.errors import InvalidInput
from engine.models import Dossier, HumanTask, ProcedureVersion, User
from engine.procedures import get_procedure_or_raise
from engine.projection import apply_progress, open_tasks
from engine.runtime import Progress
from engine.specs import ParsedModel
from engine.statuses import TaskState
from engine.timing import EngineClock, engine_clock
from engine.versions import get_version_or_raise

# A task in one of these states is where the dossier stands now.
CURRENT_STATES = SpiffTaskState.READY | SpiffTaskState.WAITING | SpiffTaskState.STARTED | (
    SpiffTaskState.ERROR)


@dataclass(frozen=True)
class MoveCheck:
    """Whether one running dossier can move to the target version, and if not why."""

    dossier_code: str
    from_hash: str
    from_version_number: int | None
    can_move: bool
    reason: str | None


@dataclass(frozen=True)
class Skipped:
    """A dossier left on its version, and why."""

    dossier_code: str
    reason: str


@dataclass(frozen=True)
class MigrationResult:
    """The dossiers moved and those left where they were."""

    moved: list[str]
    skipped: list[Skipped]


class _Refused(Exception):
    """The dossier cannot move; the message says why, for the designer."""


def plan_migration(session: Session, ctx: EngineContext, *, code: str, target_number: int,
                   user: User, now: datetime | None = None) -> list[MoveCheck]:
    """Check every running dossier of the procedure against the target version; write nothing.

    Each dossier is moved in memory as `migrate_dossiers` would move it. Timer expressions met
    on the way are evaluated at `now`, or at the dossier's last change when it is not given.
    """
    check_can_design(user, "move dossiers between model versions")
    target, target_model = _target(session, ctx, code, target_number)
    numbers = _version_numbers(session, code)
    checks = []
    for dossier in list(session.scalars(_running(code, target.spec_hash).order_by(Dossier.id))):
        try:
            _moved_workflow(session, ctx, dossier, target, target_model,
                            now or dossier.updated_at)
            can_move, reason = True, None
        except _Refused as refusal:
            can_move, reason = False, str(refusal)
        checks.append(MoveCheck(dossier_code=dossier.code, from_hash=dossier.spec_hash,
                                from_version_number=_number_of(numbers, dossier),
                                can_move=can_move, reason=reason))
    return checks


def migrate_dossiers(session: Session, ctx: EngineContext, *, code: str, target_number: int,
                     dossier_codes: list[str] | None = None, user: User,
                     now: datetime) -> MigrationResult:
    """Move running dossiers (all, or those named) to the target version, one transaction each.

    Every dossier is checked again under its row lock; one that cannot move, or whose move
    raises, is skipped with the reason and left exactly as it was.
    """
    check_can_design(user, "move dossiers between model versions")
    target, target_model = _target(session, ctx, code, target_number)
    numbers = _version_numbers(session, code)
    candidates = list(session.scalars(_running(code, target.spec_hash)
                                      .with_only_columns(Dossier.code).order_by(Dossier.id)))
    skipped = []
    if dossier_codes is not None:
        wanted = list(dict.fromkeys(dossier_codes))
        skipped = [Skipped(c, _why_not_candidate(session, c, code, target))
                   for c in wanted if c not in candidates]
        candidates = [c for c in candidates if c in wanted]
    session.commit()  # end the read; each dossier gets its own transaction
    moved = []
    for dossier_code in candidates:
        try:
            _migrate_one(session, ctx, dossier_code, code, target, target_model, numbers,
                         user=user, now=now)
            moved.append(dossier_code)
        except _Refused as refusal:
            session.rollback()
            skipped.append(Skipped(dossier_code, str(refusal)))
        except StaleDataError:
            session.rollback()
            skipped.append(Skipped(dossier_code, "the dossier changed meanwhile; plan again"))
        except Exception as err:  # noqa: BLE001 - a failed move leaves the dossier unchanged
            session.rollback()
            skipped.append(Skipped(dossier_code, f"moving it failed ({type(err).__name__}: "
                                                 f"{str(err)[:300]}); it was left unchanged"))
    if moved:
        ctx.due_changed()
    return MigrationResult(moved=moved, skipped=skipped)


def _migrate_one(session: Session, ctx: EngineContext, dossier_code: str, code: str,
                 target: ProcedureVersion, target_model: ParsedModel, numbers: dict, *,
                 user: User, now: datetime) -> None:
    dossier = session.scalars(select(Dossier).where(Dossier.code == dossier_code)
                              .with_for_update()
                              .execution_options(populate_existing=True)).one()
    if dossier.procedure_code != code or dossier.finished_at is not None or (
            dossier.spec_hash == target.spec_hash):
        raise _Refused(_why_not_candidate(session, dossier_code, code, target))
    before = {"spec_hash": dossier.spec_hash, "version": _number_of(numbers, dossier)}
    workflow = _moved_workflow(session, ctx, dossier, target, target_model, now)
    progress = ctx.runtime.progress(target_model, workflow)
    dossier.workflow_state = ctx.runtime.dump(workflow)
    dossier.spec_hash = target.spec_hash
    updated = _refresh_open_steps(session, ctx, dossier, progress, now)
    after = {"spec_hash": target.spec_hash, "version": target.number}
    if updated:
        after["steps_updated"] = updated
    changes = [audit.Change(actor=user.username, action="dossier.migrated",
                            dossier_code=dossier.code, before=before, after=after)]
    changes += apply_progress(session, ctx, dossier, progress,
                              open_rows=open_tasks(session, dossier), actor=user.username,
                              by=user.id, now=now)
    audit.append(session, changes, now=now)
    session.commit()


def _target(session: Session, ctx: EngineContext, code: str,
            number: int) -> tuple[ProcedureVersion, ParsedModel]:
    get_procedure_or_raise(session, code)
    target = get_version_or_raise(session, code, number)
    if target.state == "draft":
        raise InvalidInput(f"version {number} of '{code}' is a draft; publish it before moving "
                           "dossiers onto it, or test it with a trial run", field="target_version",
                           reason="target_is_draft", number=number)
    return target, ctx.model(session, target.spec_hash)


def _running(code: str, target_hash: str):
    return select(Dossier).where(Dossier.procedure_code == code, Dossier.finished_at.is_(None),
                                 Dossier.spec_hash != target_hash)


def _why_not_candidate(session: Session, dossier_code: str, code: str,
                       target: ProcedureVersion) -> str:
    dossier = session.scalars(select(Dossier).where(Dossier.code == dossier_code)).one_or_none()
    if dossier is None:
        return "no dossier has this code"
    if dossier.procedure_code != code:
        return f"the dossier belongs to procedure '{dossier.procedure_code}', not '{code}'"
    if dossier.finished_at is not None:
        return "the dossier is finished; finished dossiers keep the version they ran on"
    return f"the dossier already runs on version {target.number}'s model"


def _version_numbers(session: Session, code: str) -> dict[str, list[tuple[int, datetime | None]]]:
    """Return each model hash's versions as (number, published_at), oldest first."""
    by_hash: dict[str, list[tuple[int, datetime | None]]] = {}
    for version in session.scalars(select(ProcedureVersion).where(
            ProcedureVersion.procedure_code == code).order_by(ProcedureVersion.number)):
        by_hash.setdefault(version.spec_hash, []).append((version.number, version.published_at))
    return by_hash


def _number_of(numbers: dict, dossier: Dossier) -> int | None:
    """Return the version the dossier runs on: the last one with its model published by then."""
    versions = numbers.get(dossier.spec_hash, [])
    published = [number for number, at in versions
                 if at is not None and at <= dossier.received_at]
    chosen = published or [number for number, _ in versions]
    return chosen[-1] if chosen else None


@cache
def _spec_registry():
    """Return the converters that turn specs into comparable dicts (as the serializer does)."""
    return BpmnWorkflowSerializer.configure(SPIFF_CONFIG)


def _moved_workflow(session: Session, ctx: EngineContext, dossier: Dossier,
                    target: ProcedureVersion, target_model: ParsedModel,
                    now: datetime) -> BpmnWorkflow:
    """Return the dossier's workflow moved onto the target model, or raise _Refused."""
    try:
        source = ctx.model(session, dossier.spec_hash)
        workflow = ctx.runtime.restore(source, dossier.workflow_state)
    except Exception as err:  # noqa: BLE001 - a dossier that cannot be read cannot be moved
        raise _Refused(f"its workflow cannot be restored from its own model: "
                       f"{type(err).__name__}: {str(err)[:300]}") from err
    registry = _spec_registry()
    try:
        top_diff, sub_diffs = diff_workflow(registry, workflow, target_model.spec,
                                            target_model.subprocess_specs)
    except Exception as err:  # noqa: BLE001 - the library cannot align the two models
        raise _Refused(f"SpiffWorkflow cannot map the workflow onto version {target.number}: "
                       f"{type(err).__name__}: {err}") from err
    _refuse_unsafe(top_diff, target.number, source)
    _refuse_changed_subprocesses(workflow, sub_diffs, target_model, target.number, registry)
    timers = _unchanged_timers(workflow, top_diff)
    clock = EngineClock(now, ctx.calendar(session), dossier.appointment_at)
    try:
        with engine_clock(clock):
            migrate_workflow(top_diff, workflow, target_model.spec)
            for sp_id, subprocess in workflow.subprocesses.items():
                migrate_workflow(sub_diffs[sp_id], subprocess,
                                 target_model.subprocess_specs[subprocess.spec.name])
            workflow.subprocess_specs = dict(target_model.subprocess_specs)
            _keep_timer_due_times(workflow, timers)
        _refuse_unmapped(workflow, target_model, target.number)
        # Restoring from JSON gives the restricted script engine back and drops the timer
        # registrations the reset left behind (ENGINE_NOTES: stale timers raise later).
        moved = ctx.runtime.restore(target_model, ctx.runtime.dump(workflow))
        with engine_clock(clock):
            moved.do_engine_steps()
    except _Refused:
        raise
    except Exception as err:  # noqa: BLE001 - any failure means the move cannot be made
        raise _Refused(f"SpiffWorkflow cannot map the workflow onto version {target.number}: "
                       f"{type(err).__name__}: {str(err)[:300]}") from err
    return moved


def _refuse_unsafe(diff, number: int, source: ParsedModel) -> None:
    for task in diff.removed:
        if task.state == SpiffTaskState.COMPLETED:
            raise _Refused(f"the change touches a completed step: '{_label(task, source)}' was "
                           f"already done and version {number} removes it")
        if task.state & CURRENT_STATES:
            raise _Refused(f"its current step was removed: '{_label(task, source)}' is not in "
                           f"version {number}")
    for task in diff.changed:
        if task.state == SpiffTaskState.COMPLETED:
            raise _Refused(f"the change touches a completed step: '{_label(task, source)}' was "
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
            raise _Refused(f"the dossier's workflow uses subprocess '{name}', which version "
                           f"{number} removes")
        if _comparable(registry, subprocess.spec) != _comparable(registry, new_spec):
            raise _Refused(f"the dossier's workflow uses subprocess '{name}', which version "
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
                raise _Refused(f"SpiffWorkflow cannot map the workflow onto version {number}: "
                               f"task '{task.task_spec.name}' "
                               f"({SpiffTaskState.get_name(task.state)}) has no counterpart")


def _label(task, model: ParsedModel) -> str:
    step = model.steps.get(task.task_spec.bpmn_id) if task.task_spec.bpmn_id else None
    name = step.name if step else (task.task_spec.bpmn_name or task.task_spec.name)
    bpmn_id = task.task_spec.bpmn_id or task.task_spec.name
    return name if name == bpmn_id else f"{bpmn_id}: {name}"


def _refresh_open_steps(session: Session, ctx: EngineContext, dossier: Dossier,
                        progress: Progress, now: datetime) -> list[str]:
    """Give open step rows the new model's description of their step; return the steps changed.

    A step keeps its workflow task (and so its row) across the move, but the new version may
    rename it, give it another budget, form or department. A claim by someone who may no
    longer work on the step is released.
    """
    calendar = ctx.calendar(session)
    steps = {s.workflow_task_id: s.step for s in progress.open_steps}
    updated = []
    for row in open_tasks(session, dossier):
        step = steps.get(row.workflow_task_id)
        if step is None or _describes(row, step):
            continue
        moved_department = (row.department_code, row.required_role) != (step.lane, step.role)
        budget_changed = row.budget_hours != step.budget_hours
        row.step, row.step_name, row.department_code = step.bpmn_id, step.name, step.lane
        row.required_role, row.form_key = step.role, step.form_key
        row.budget_hours, row.counted = step.budget_hours, step.counted
        if budget_changed:
            row.due_at = calendar.add_working_hours(row.created_at, step.budget_hours)
            row.remind_at = reminder_time(calendar, row.created_at, row.due_at, ctx.rules)
        if moved_department and row.state == TaskState.CLAIMED:
            row.state, row.assignee_id, row.claimed_at = TaskState.READY, None, None
        updated.append(row.step)
    return updated


def _describes(row: HumanTask, step) -> bool:
    return (row.step, row.step_name, row.department_code, row.required_role, row.form_key,
            row.budget_hours, row.counted) == (step.bpmn_id, step.name, step.lane, step.role,
                                               step.form_key, step.budget_hours, step.counted)
