"""Receive dossiers, keep their steps and status in step with the workflow, and look them up."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit, idempotency
from engine.access import check_can_read_dossiers, check_can_receive, visible_dossiers
from engine.calendar import WorkingCalendar
from engine.codes import new_pin, next_dossier_code, pin_hash, pin_matches
from engine.context import EngineContext
from engine.deadlines import StatutoryDeadline, set_appointment
from engine.dossier_versions import get_published_version_or_raise
from engine.errors import DossierNotFound, InvalidFormData, InvalidInput
from engine.fees import FeeAssessment, assess_fee
from engine.folding import fold
from engine.idempotency import ReceiptKey
from engine.models import Dossier, HumanTask, OnlineSubmission, ProcedureVersion, User
from engine.payment_dues import open_at_receipt
from engine.runtime import Progress
from engine.status_history import change_status
from engine.statuses import Channel, DossierStatus, TaskState
from engine.unit_of_work import DossierUnitOfWork


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
    calendar = ctx.calendar(session)
    fee = assess_intake(ctx, calendar, version, intake, now=now)
    components = components or Components(total=len(version.meta["required_documents"]))
    components.check()
    model = ctx.model(session, version.spec_hash)
    dossier = Dossier(
        procedure_code=version.procedure_code, procedure_version_id=version.id,
        spec_hash=version.spec_hash,
        channel=int(channel), applicant=applicant,
        intake=intake, applicant_name_folded=fold(applicant["full_name"])[:200],
        applicant_id_number=applicant["id_number"],
        fee_vnd=fee.amount_vnd, fee_basis=fee.basis, received_by=user.id,
        received_at=now, updated_at=now, components_total=components.total,
        components_digitised=components.digitised, components_reused=components.reused,
    )
    set_appointment(dossier, StatutoryDeadline.of(version.meta), calendar, ctx.rules,
                    counted_from=now)
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        progress = uow.start(dossier, model, {**intake, "channel": int(channel)},
                             actor=user.username)
        dossier.code = next_dossier_code(session, agency_code=ctx.agency_code, received_at=now)
        pin = new_pin()
        dossier.pin_hash = pin_hash(dossier.code, pin, secret_key=ctx.secret_key)
        uow.add(dossier)
        mark_received(uow, dossier, version, progress, user=user)
        if key is not None:
            session.add(key.row(user=user, dossier=dossier, now=now))
        uow.commit()
    ctx.due_changed()
    return dossier, pin


def assess_intake(ctx: EngineContext, calendar: WorkingCalendar, version: ProcedureVersion,
                  intake: dict, *, now: datetime) -> FeeAssessment:
    """Refuse intake data the version's intake form or fee rule refuses; return the fee.

    Form problems are listed field by field; the fee counts from the local day of `now`.
    """
    form_key = version.meta["intake_form"]
    problems = ctx.forms.field_problems(form_key, intake)
    if problems:
        raise InvalidFormData(form_key, problems)
    return assess_fee(version.meta["fee"], intake, received_on=now.astimezone(calendar.zone).date())


def mark_received(uow: DossierUnitOfWork, dossier: Dossier, version: ProcedureVersion,
                  progress: Progress, *, user: User) -> None:
    """Set a dossier whose workflow just started to status 2, audit it, project its steps."""
    change_status(uow.session, dossier, DossierStatus.ACCEPTED, by=user.id, at=uow.now)
    uow.session.flush()
    uow.record(audit.Change(actor=user.username, action="dossier.received",
                            dossier_code=dossier.code,
                            after={"procedure": version.procedure_code,
                                   "procedure_version": version.number,
                                   "channel": dossier.channel,
                                   "status": int(DossierStatus.ACCEPTED),
                                   "fee_vnd": dossier.fee_vnd,
                                   "appointment_at": dossier.appointment_at.isoformat()}))
    uow.record(*open_at_receipt(uow.session, dossier, version.meta["fee"], actor=user.username,
                                now=uow.now))
    uow.project(progress, open_rows=[], actor=user.username, by=user.id)


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
    replayed = idempotency.replay(session, ctx, key=key, user=user, now=now)
    if replayed is not None:
        return Receipt(*replayed, pin_reissued=True)
    try:
        dossier, pin = receive_dossier(session, ctx, key=key, user=user, now=now, **receipt)
    except IntegrityError:
        replayed = idempotency.replay(session, ctx, key=key, user=user, now=now)
        if replayed is None:
            raise
        return Receipt(*replayed, pin_reissued=True)
    return Receipt(dossier, pin, pin_reissued=False)


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
    submission = session.get(OnlineSubmission, dossier.id)
    if submission is not None and submission.verified_by is not None and not dossier.workflow_state:
        # Reception answered an online submission before any step: its answer is the word.
        return CitizenNotice(missing_documents=list(submission.missing),
                             refusal_reason=submission.refusal_reason)
    completed = session.scalars(
        select(HumanTask.form_data)
        .where(HumanTask.dossier_id == dossier.id, HumanTask.state == TaskState.COMPLETED)
        .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc()))
    written = next((data[field] for data in completed if data and data.get(field)), None)
    if field == "missing_documents":
        return CitizenNotice(missing_documents=list(written or []))
    return CitizenNotice(missing_documents=[], refusal_reason=written)
