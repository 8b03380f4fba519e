"""Receive dossiers, keep their steps and status in step with the workflow, and look them up."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit, idempotency
from engine.access import check_can_read_dossiers, check_can_receive, visible_dossiers
from engine.codes import new_pin, next_dossier_code, pin_hash, pin_matches
from engine.context import EngineContext
from engine.deadlines import StatutoryDeadline, next_due, open_step, set_appointment, update_clock
from engine.dossier_versions import get_published_version_or_raise, statutory_deadline
from engine.errors import DossierNotFound, InvalidFormData, InvalidInput
from engine.fees import fee_vnd
from engine.folding import fold
from engine.idempotency import ReceiptKey
from engine.incidents import record_incident
from engine.models import Dossier, HumanTask, User
from engine.runtime import Progress
from engine.status_history import change_status
from engine.statuses import OPEN_TASK_STATES, Channel, DossierStatus, TaskState
from engine.timing import EngineClock, engine_clock


@dataclass(frozen=True)
class Components:
    """How the dossier's paper components were handled at receipt."""

    total: int
    digitised: int = 0
    reused: int = 0

    def check(self) -> None:
        """Refuse counts that cannot add up."""
        if min(self.total, self.digitised, self.reused) < 0:
            raise InvalidInput("component counts cannot be negative", field="components",
                               reason="negative_count")
        if self.digitised + self.reused > self.total:
            raise InvalidInput(f"{self.digitised} digitised + {self.reused} reused components "
                               f"exceed the {self.total} handed in", field="components",
                               reason="components_exceed_total", digitised=self.digitised,
                               reused=self.reused, total=self.total)


def receive_dossier(session: Session, ctx: EngineContext, *, procedure_code: str,
                    applicant: dict, channel: Channel, intake: dict, user: User,
                    now: datetime, components: Components | None = None,
                    key: ReceiptKey | None = None) -> tuple[Dossier, str]:
    """Receive a complete dossier, start its procedure, and return it with the citizen's PIN.

    A `key` is stored with the dossier in the same transaction (see `receive_dossier_once`).
    """
    check_can_receive(user)
    version = get_published_version_or_raise(session, procedure_code)
    form_key = version.meta["intake_form"]
    problems = ctx.forms.field_problems(form_key, intake)
    if problems:
        raise InvalidFormData(form_key, problems)
    components = components or Components(total=len(version.meta["required_documents"]))
    components.check()
    model = ctx.model(session, version.spec_hash)
    calendar = ctx.calendar(session)
    dossier = Dossier(
        procedure_code=version.procedure_code, procedure_version_id=version.id,
        spec_hash=version.spec_hash,
        channel=int(channel), applicant=applicant,
        intake=intake, applicant_name_folded=fold(applicant["full_name"])[:200],
        applicant_id_number=applicant["id_number"],
        fee_vnd=fee_vnd(version.meta["fee"], intake), received_by=user.id,
        received_at=now, updated_at=now, components_total=components.total,
        components_digitised=components.digitised, components_reused=components.reused,
    )
    set_appointment(dossier, StatutoryDeadline.of(version.meta), calendar, ctx.rules,
                    counted_from=now)
    try:
        with engine_clock(EngineClock(now, calendar, dossier.appointment_at)):
            workflow = ctx.runtime.start(model, {**intake, "channel": int(channel)})
        progress = ctx.runtime.progress(model, workflow)
        dossier.workflow_state = ctx.runtime.dump(workflow)
    except Exception as err:  # noqa: BLE001 - any engine failure becomes an incident
        raise record_incident(session, dossier=None, step="start", error=err,
                              actor=user.username, now=now) from err
    dossier.code = next_dossier_code(session, agency_code=ctx.agency_code, received_at=now)
    pin = new_pin()
    dossier.pin_hash = pin_hash(dossier.code, pin, secret_key=ctx.secret_key)
    session.add(dossier)
    change_status(session, dossier, DossierStatus.ACCEPTED, by=user.id, at=now)
    session.flush()
    changes = [audit.Change(actor=user.username, action="dossier.received",
                            dossier_code=dossier.code,
                            after={"procedure": version.procedure_code,
                                   "procedure_version": version.number,
                                   "channel": int(channel),
                                   "status": int(DossierStatus.ACCEPTED),
                                   "fee_vnd": dossier.fee_vnd,
                                   "appointment_at": dossier.appointment_at.isoformat()})]
    changes += apply_progress(session, ctx, dossier, progress, open_rows=[],
                              actor=user.username, by=user.id, now=now)
    audit.append(session, changes, now=now)
    if key is not None:
        session.add(key.row(user=user, dossier=dossier, now=now))
    session.commit()
    ctx.due_changed()
    return dossier, pin


@dataclass(frozen=True)
class Receipt:
    """A received dossier, the PIN for the slip, and whether it replaces an earlier one."""

    dossier: Dossier
    pin: str
    pin_reissued: bool


def receive_dossier_once(session: Session, ctx: EngineContext, *, key: ReceiptKey | None,
                         user: User, now: datetime, **receipt) -> Receipt:
    """Receive a dossier once per Idempotency-Key: a retry gets it again with a new PIN.

    `receipt` holds receive_dossier's arguments; without a key every call receives a new
    dossier. Two requests racing with one key both try to store it; the database's unique
    key lets one commit, and the other answers as a replay of it.
    """
    if key is None:
        return Receipt(*receive_dossier(session, ctx, user=user, now=now, **receipt),
                       pin_reissued=False)
    check_can_receive(user)
    replayed = idempotency.replay(session, key=key, user=user, secret_key=ctx.secret_key,
                                  now=now)
    if replayed is not None:
        return Receipt(*replayed, pin_reissued=True)
    try:
        dossier, pin = receive_dossier(session, ctx, key=key, user=user, now=now, **receipt)
    except IntegrityError:
        session.rollback()
        replayed = idempotency.replay(session, key=key, user=user,
                                      secret_key=ctx.secret_key, now=now)
        if replayed is None:
            raise
        return Receipt(*replayed, pin_reissued=True)
    return Receipt(dossier, pin, pin_reissued=False)


def apply_progress(session: Session, ctx: EngineContext, dossier: Dossier, progress: Progress,
                   *, open_rows: list[HumanTask], actor: str, by: int | None,
                   now: datetime) -> list[audit.Change]:
    """Project the workflow's open steps, status and deadlines onto the dossier's rows.

    `actor` names who moved the workflow in the audit trail and `by` is their user id, None
    for the system. `open_rows` are the dossier's step rows that were open before the
    workflow moved (a row the caller has just completed may be among them). Every change
    is made in memory and written by one flush, so the dossier row is updated once.
    """
    calendar = ctx.calendar(session)
    open_ids = {s.workflow_task_id for s in progress.open_steps}
    was_open = {row.workflow_task_id: row for row in open_rows
                if row.state in OPEN_TASK_STATES}
    cancelled = [row for wid, row in was_open.items() if wid not in open_ids]
    for row in cancelled:
        row.state = TaskState.CANCELLED
    new_rows = [
        HumanTask(dossier_id=dossier.id, dossier_code=dossier.code,
                  workflow_task_id=s.workflow_task_id, step=s.step.bpmn_id,
                  step_name=s.step.name, department_code=s.step.lane,
                  required_role=s.step.role, form_key=s.step.form_key,
                  budget_hours=s.step.budget_hours, counted=s.step.counted,
                  state=TaskState.READY, created_at=now)
        for s in progress.open_steps if s.workflow_task_id not in was_open
    ]
    for row in new_rows:
        open_step(row, calendar, ctx.rules, now)
    status_changes = []
    if dossier.status != progress.status:
        status_changes.append(audit.Change(actor=actor, action="dossier.status_changed",
                                           dossier_code=dossier.code,
                                           before={"status": dossier.status},
                                           after={"status": int(progress.status)}))
        change_status(session, dossier, progress.status, by=by, at=now)
    if progress.finished:
        dossier.finished_at = now
    dossier.updated_at = now
    dossier.timer_due_at = progress.timer_due_at
    now_open = [row for wid, row in was_open.items() if wid in open_ids] + new_rows
    clock_changes = update_clock(dossier, deadline=lambda: statutory_deadline(session, dossier),
                                 open_tasks=now_open, finished=progress.finished,
                                 calendar=calendar, rules=ctx.rules, actor=actor, now=now)
    dossier.next_due_at = next_due(dossier, now_open, calendar, ctx.rules)
    session.add_all(new_rows)
    session.flush()
    changes = [audit.Change(actor=actor, action="task.cancelled", dossier_code=dossier.code,
                            task_id=row.id, after={"step": row.step}) for row in cancelled]
    changes += [audit.Change(actor=actor, action="task.opened", dossier_code=dossier.code,
                             task_id=row.id,
                             after={"step": row.step, "department": row.department_code,
                                    "due_at": row.due_at.isoformat()})
                for row in new_rows]
    return changes + status_changes + clock_changes


def open_tasks(session: Session, dossier: Dossier, *, reload: bool = False) -> list[HumanTask]:
    """Return the dossier's steps that are ready or claimed.

    `reload` overwrites rows already in the session with what the database holds now (call
    it right after locking the dossier, before changing any of its steps).
    """
    query = (select(HumanTask).where(HumanTask.dossier_id == dossier.id,
                                     HumanTask.state.in_(OPEN_TASK_STATES))
             .order_by(HumanTask.id))
    if reload:
        query = query.execution_options(populate_existing=True)
    return list(session.scalars(query))


def get_dossier_or_raise(session: Session, code: str, *, user: User) -> Dossier:
    """Return the dossier with this code if the user may see it (engine.access)."""
    check_can_read_dossiers(user)
    # A dossier the user may not see is answered exactly as one that does not exist.
    dossier = session.scalars(select(Dossier).where(
        Dossier.code == code, visible_dossiers(session, user))).one_or_none()
    if dossier is None:
        raise DossierNotFound(f"No dossier has code '{code}'.", code=code)
    return dossier


@dataclass(frozen=True)
class DossierFilter:
    """What a dossier list may be narrowed by."""

    procedure_code: str | None = None
    status: int | None = None
    channel: int | None = None
    received_from: datetime | None = None
    received_to: datetime | None = None
    query: str | None = None


def found_by(query: str) -> ColumnElement[bool]:
    """Match a dossier code or ID number exactly, or the start of the applicant's folded name.

    Each alternative reads one index, so the search stays fast however many dossiers there are.
    """
    exact = query.strip()
    alternatives = [Dossier.code == exact, Dossier.applicant_id_number == exact]
    prefix = fold(query)
    if prefix:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        alternatives.append(Dossier.applicant_name_folded.like(f"{escaped}%", escape="\\"))
    return or_(*alternatives)


def get_all_dossiers(session: Session, *, user: User, where: DossierFilter, page: int,
                     page_size: int) -> tuple[list[Dossier], int]:
    """Return one page of the dossiers the user may see, newest first, and how many in all."""
    check_can_read_dossiers(user)
    conditions = [visible_dossiers(session, user)]
    if where.procedure_code:
        conditions.append(Dossier.procedure_code == where.procedure_code)
    if where.status is not None:
        conditions.append(Dossier.status == where.status)
    if where.channel is not None:
        conditions.append(Dossier.channel == where.channel)
    if where.received_from:
        conditions.append(Dossier.received_at >= where.received_from)
    if where.received_to:
        conditions.append(Dossier.received_at < where.received_to)
    if where.query and where.query.strip():
        conditions.append(found_by(where.query))
    total = session.scalar(select(func.count()).select_from(Dossier).where(*conditions))
    items = session.scalars(select(Dossier).where(*conditions)
                            .order_by(Dossier.received_at.desc(), Dossier.id.desc())
                            .offset((page - 1) * page_size).limit(page_size)).all()
    return list(items), total


def public_lookup(session: Session, *, code: str, pin: str, secret_key: bytes) -> Dossier:
    """Return a dossier for a citizen holding its PIN; a wrong PIN looks like an unknown code."""
    dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one_or_none()
    if dossier is None or not pin_matches(code, pin, dossier.pin_hash, secret_key=secret_key):
        raise DossierNotFound("No dossier matches this code and PIN; check both on the "
                              "receipt slip.", code=code, reason="code_and_pin")
    return dossier


@dataclass(frozen=True)
class CitizenNotice:
    """What the officer wrote for the citizen: the documents to bring, or why it was refused."""

    missing_documents: list[str]
    refusal_reason: str | None = None


# The form field the officer fills for the citizen while a dossier is in each of these statuses
# (forms/*/review.json and request_supplement.json: `missing_documents`, `refusal_reason`).
_NOTICE_FIELDS = {DossierStatus.SUPPLEMENT_REQUESTED: "missing_documents",
                  DossierStatus.NOT_ACCEPTED: "refusal_reason"}


def citizen_notice(session: Session, dossier: Dossier) -> CitizenNotice:
    """Return the officer's latest word on the dossier's current status, if it calls for one."""
    field = _NOTICE_FIELDS.get(DossierStatus(dossier.status))
    if field is None:
        return CitizenNotice(missing_documents=[])
    completed = session.scalars(
        select(HumanTask.form_data)
        .where(HumanTask.dossier_id == dossier.id, HumanTask.state == TaskState.COMPLETED)
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()))
    written = next((data[field] for data in completed if data and data.get(field)), None)
    if field == "missing_documents":
        return CitizenNotice(missing_documents=list(written or []))
    return CitizenNotice(missing_documents=[], refusal_reason=written)
