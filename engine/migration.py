"""Move running dossiers onto another version of their procedure's model.

The runtime moves each dossier's workflow (engine.workflow_moves says when a move is
refused); everything is tried in memory first and refused if the result cannot be saved and
restored.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.access import check_can_design
from engine.context import EngineContext
from engine.deadlines import reminder_time
from engine.dossier_versions import dossier_version
from engine.errors import ConcurrentUpdate, InvalidInput
from engine.models import Dossier, HumanTask, ProcedureVersion, User
from engine.procedures import get_procedure_or_raise
from engine.projection import open_tasks
from engine.runtime import Progress
from engine.specs import ParsedModel
from engine.statuses import TaskState
from engine.unit_of_work import DossierUnitOfWork
from engine.versions import get_version_or_raise
from engine.workflow_moves import MoveRefused


@dataclass(frozen=True)
class MoveCheck:
    """Whether one running dossier can move to the target version, and if not why."""

    dossier_code: str
    from_hash: str
    from_version_number: int
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


def plan_migration(session: Session, ctx: EngineContext, *, code: str, target_number: int,
                   user: User, now: datetime | None = None) -> list[MoveCheck]:
    """Check every running dossier of the procedure against the target version; write nothing.

    Each dossier is moved in memory as `migrate_dossiers` would move it. Timer expressions met
    on the way are evaluated at `now`, or at the dossier's last change when it is not given.
    """
    check_can_design(user, "move dossiers between model versions")
    target, target_model = _target(session, ctx, code, target_number)
    checks = []
    for dossier in list(session.scalars(_running(code, target).order_by(Dossier.id))):
        # A plan only tries each move: its unit is never entered, so it never commits.
        uow = DossierUnitOfWork(session, ctx, now=now or dossier.updated_at)
        uow.adopt(dossier)
        try:
            _moved_workflow(uow, target, target_model)
            can_move, reason = True, None
        except MoveRefused as refusal:
            can_move, reason = False, str(refusal)
        checks.append(MoveCheck(dossier_code=dossier.code, from_hash=dossier.spec_hash,
                                from_version_number=dossier_version(session, dossier).number,
                                can_move=can_move, reason=reason))
    return checks


def migrate_dossiers(session: Session, ctx: EngineContext, *, code: str, target_number: int,
                     dossier_codes: list[str] | None = None, user: User,
                     now: datetime) -> MigrationResult:
    """Move running dossiers (all, or those named) to the target version, one unit of work each.

    Every dossier is checked again under its row lock; one that cannot move, or whose move
    raises, is skipped with the reason and left exactly as it was.
    """
    check_can_design(user, "move dossiers between model versions")
    # The read ends with its unit, so each dossier's move has a transaction of its own.
    with DossierUnitOfWork(session, ctx, now=now):
        target, target_model = _target(session, ctx, code, target_number)
        candidates = list(session.scalars(_running(code, target)
                                          .with_only_columns(Dossier.code).order_by(Dossier.id)))
        skipped = []
        if dossier_codes is not None:
            wanted = list(dict.fromkeys(dossier_codes))
            skipped = [Skipped(c, _why_not_candidate(session, c, code, target))
                       for c in wanted if c not in candidates]
            candidates = [c for c in candidates if c in wanted]
    moved = []
    for dossier_code in candidates:
        try:
            _migrate_one(session, ctx, dossier_code, code, target, target_model, user=user,
                         now=now)
            moved.append(dossier_code)
        except MoveRefused as refusal:
            skipped.append(Skipped(dossier_code, str(refusal)))
        except ConcurrentUpdate:
            skipped.append(Skipped(dossier_code, "the dossier changed meanwhile; plan again"))
        except Exception as err:  # noqa: BLE001 - a failed move leaves the dossier unchanged
            skipped.append(Skipped(dossier_code, f"moving it failed ({type(err).__name__}: "
                                                 f"{str(err)[:300]}); it was left unchanged"))
    if moved:
        ctx.due_changed()
    return MigrationResult(moved=moved, skipped=skipped)


def _migrate_one(session: Session, ctx: EngineContext, dossier_code: str, code: str,
                 target: ProcedureVersion, target_model: ParsedModel, *, user: User,
                 now: datetime) -> None:
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        dossier = uow.lock(Dossier.code == dossier_code)
        if dossier.procedure_code != code or dossier.finished_at is not None or (
                dossier.procedure_version_id == target.id):
            raise MoveRefused(_why_not_candidate(session, dossier_code, code, target))
        before = {"spec_hash": dossier.spec_hash,
                  "version": dossier_version(session, dossier).number}
        if dossier.spec_hash == target.spec_hash:
            # Only the metadata changed (deadline, fee, forms): the workflow stays as it is.
            workflow = uow.restore(target_model)
        else:
            workflow = _moved_workflow(uow, target, target_model)
        progress = uow.keep(target_model, workflow)
        dossier.spec_hash, dossier.procedure_version_id = target.spec_hash, target.id
        updated = _refresh_open_steps(session, ctx, dossier, progress, now)
        after = {"spec_hash": target.spec_hash, "version": target.number}
        if updated:
            after["steps_updated"] = updated
        uow.record(audit.Change(actor=user.username, action="dossier.migrated",
                                dossier_code=dossier.code, before=before, after=after))
        uow.project(progress, open_rows=uow.open_rows(), actor=user.username, by=user.id)
        uow.commit()


def _moved_workflow(uow: DossierUnitOfWork, target: ProcedureVersion,
                    target_model: ParsedModel):
    """Return the unit's dossier's workflow moved onto the target model, or raise MoveRefused."""
    try:
        source = uow.model()
        workflow = uow.restore(source)
    except Exception as err:  # noqa: BLE001 - a dossier that cannot be read cannot be moved
        raise MoveRefused(f"its workflow cannot be restored from its own model: "
                          f"{type(err).__name__}: {str(err)[:300]}") from err
    with uow.clock(uow.dossier.appointment_at):
        return uow.ctx.runtime.move(workflow, source=source, target=target_model,
                                    number=target.number)


def _target(session: Session, ctx: EngineContext, code: str,
            number: int) -> tuple[ProcedureVersion, ParsedModel]:
    get_procedure_or_raise(session, code)
    target = get_version_or_raise(session, code, number)
    if target.state == "draft":
        raise InvalidInput(f"version {number} of '{code}' is a draft; publish it before moving "
                           "dossiers onto it, or test it with a trial run", field="target_version",
                           reason="target_is_draft", number=number)
    return target, ctx.model(session, target.spec_hash)


def _running(code: str, target: ProcedureVersion):
    return select(Dossier).where(Dossier.procedure_code == code, Dossier.finished_at.is_(None),
                                 Dossier.procedure_version_id != target.id)


def _why_not_candidate(session: Session, dossier_code: str, code: str,
                       target: ProcedureVersion) -> str:
    dossier = session.scalars(select(Dossier).where(Dossier.code == dossier_code)).one_or_none()
    if dossier is None:
        return "no dossier has this code"
    if dossier.procedure_code != code:
        return f"the dossier belongs to procedure '{dossier.procedure_code}', not '{code}'"
    if dossier.finished_at is not None:
        return "the dossier is finished; finished dossiers keep the version they ran on"
    return f"the dossier already runs on version {target.number}"


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
