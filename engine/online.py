"""Online submission: a citizen submits, reception verifies within 8 working hours.

A submitted dossier is a dossier with status 1 (newly submitted), channel 2 (online), pinned
to the procedure version published at submission, whose workflow has not started. Reception
accepts it (status 2: the workflow starts, the statutory clock counts from the submission
with the online cut-off), asks the citizen to complete it (status 5 until the citizen sends
the completed form with code and PIN) or refuses it with a reason (status 3). The citizen is
told of each answer through the notifications outbox.
"""

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import audit
from engine.access import check_can_receive, visible_dossiers
from engine.codes import new_pin, next_dossier_code, pin_hash
from engine.context import EngineContext
from engine.deadlines import StatutoryDeadline, set_appointment
from engine.dossier_versions import get_published_version_or_raise
from engine.dossiers import assess_intake, mark_received, public_lookup
from engine.errors import DossierNotFound, InvalidInput, SubmissionNotWaiting
from engine.folding import fold
from engine.models import Dossier, OnlineSubmission, ProcedureVersion, User
from engine.notifications import Kind, notify_citizen
from engine.status_history import change_status
from engine.statuses import Channel, DossierStatus
from engine.unit_of_work import DossierUnitOfWork

# Online submissions after 17:00 or on a day off count from 08:00 of the next working day.
ONLINE_CUTOFF = time(17, 0)
# Reception must ask for completion of an online dossier within 8 working hours.
VERIFICATION_HOURS = 8
CITIZEN = "citizen"  # the audit actor of what a citizen does without an account


class SubmissionState(StrEnum):
    """Where reception's verification of an online submission stands."""

    WAITING = "waiting"
    INCOMPLETE = "incomplete"
    ACCEPTED = "accepted"
    REFUSED = "refused"
    ENDED = "ended"  # withdrawn or stopped before reception answered


def accepts_online(meta: dict) -> bool:
    """Tell whether a procedure version is marked as accepted online (`"online": true`)."""
    return meta.get("online") is True


@dataclass(frozen=True)
class Submitted:
    """A stored online submission, its PIN (shown once) and by when reception answers."""

    dossier: Dossier
    pin: str
    submitted_at: datetime
    verify_by: datetime


def submit_online(session: Session, ctx: EngineContext, *, procedure_code: str,
                  applicant: dict, intake: dict, now: datetime) -> Submitted:
    """Store a citizen's online submission and return it with the PIN; nothing starts yet."""
    version = get_published_version_or_raise(session, procedure_code)
    if not accepts_online(version.meta):
        raise InvalidInput(f"procedure {procedure_code} is not accepted online",
                           field="procedure_code", reason="procedure_not_online",
                           procedure_code=procedure_code)
    if not (applicant.get("phone") or applicant.get("email")):
        raise InvalidInput("give a phone number or an email to be told of the answer",
                           field="applicant", reason="contact_required")
    fee = assess_intake(ctx, ctx.calendar(session), version, intake, now=now)
    dossier = Dossier(
        procedure_code=version.procedure_code, procedure_version_id=version.id,
        spec_hash=version.spec_hash, channel=int(Channel.ONLINE), applicant=applicant,
        intake=intake, applicant_name_folded=fold(applicant["full_name"])[:200],
        applicant_id_number=applicant["id_number"],
        fee_vnd=fee.amount_vnd, fee_basis=fee.basis, received_at=now, updated_at=now,
        workflow_state="")
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        dossier.code = next_dossier_code(session, agency_code=ctx.agency_code, received_at=now)
        pin = new_pin()
        dossier.pin_hash = pin_hash(dossier.code, pin, secret_key=ctx.secret_key)
        uow.add(dossier)
        change_status(session, dossier, DossierStatus.NEWLY_SUBMITTED, by=None, at=now)
        session.flush()
        submission = OnlineSubmission(dossier_id=dossier.id, missing=[],
                                      state=SubmissionState.WAITING)
        _wait_for_verification(uow, submission, now)
        session.add(submission)
        uow.record(audit.Change(actor=CITIZEN, action="dossier.submitted_online",
                                dossier_code=dossier.code,
                                after={"procedure": version.procedure_code,
                                       "procedure_version": version.number,
                                       "channel": int(Channel.ONLINE),
                                       "status": int(DossierStatus.NEWLY_SUBMITTED),
                                       "verify_by": submission.verify_by.isoformat()}))
        uow.commit()
    return Submitted(dossier, pin, submission.submitted_at, submission.verify_by)


def counted_from(calendar, submitted_at: datetime) -> datetime:
    """Return when the statutory clock of an online submission starts (the online cut-off)."""
    return calendar.counting_start(submitted_at, cutoff=ONLINE_CUTOFF)


def accept_online(session: Session, ctx: EngineContext, *, code: str, user: User,
                  now: datetime) -> Dossier:
    """Accept a waiting submission: status 2, the workflow starts, the clock counts."""
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        dossier, submission = _lock_waiting(uow, code, user)
        version = session.get(ProcedureVersion, dossier.procedure_version_id)
        set_appointment(dossier, StatutoryDeadline.of(version.meta), uow.calendar, ctx.rules,
                        counted_from=counted_from(uow.calendar, submission.submitted_at))
        progress = uow.start(dossier, uow.model(), {**dossier.intake,
                                                    "channel": int(Channel.ONLINE)},
                             actor=user.username)
        dossier.received_by = user.id
        mark_received(uow, dossier, version, progress, user=user)
        _answer(uow, dossier, submission, SubmissionState.ACCEPTED, user=user,
                kind=Kind.SUBMISSION_ACCEPTED,
                message=f"Hồ sơ {dossier.code} đã được tiếp nhận; hẹn trả kết quả "
                        f"{_local(uow, dossier.appointment_at)}.")
        uow.commit()
    ctx.due_changed()
    return dossier


def ask_to_complete(session: Session, ctx: EngineContext, *, code: str, missing: list[str],
                    user: User, now: datetime) -> Dossier:
    """Ask the citizen to complete a waiting submission: status 5 until it comes back."""
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        dossier, submission = _lock_waiting(uow, code, user)
        submission.missing = list(missing)
        change_status(session, dossier, DossierStatus.SUPPLEMENT_REQUESTED, by=user.id, at=now)
        _answer(uow, dossier, submission, SubmissionState.INCOMPLETE, user=user,
                kind=Kind.SUBMISSION_INCOMPLETE, after={"missing": submission.missing},
                message=f"Hồ sơ {dossier.code} cần bổ sung: {'; '.join(missing)}.")
        uow.commit()
    return dossier


def refuse_online(session: Session, ctx: EngineContext, *, code: str, reason: str,
                  user: User, now: datetime) -> Dossier:
    """Refuse a waiting submission with a reason the citizen sees: status 3, final."""
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        dossier, submission = _lock_waiting(uow, code, user)
        submission.refusal_reason = reason
        change_status(session, dossier, DossierStatus.NOT_ACCEPTED, by=user.id, at=now)
        _answer(uow, dossier, submission, SubmissionState.REFUSED, user=user,
                kind=Kind.SUBMISSION_REFUSED, after={"refusal_reason": reason},
                message=f"Hồ sơ {dossier.code} không được tiếp nhận: {reason}")
        uow.commit()
    return dossier


def resubmit_online(session: Session, ctx: EngineContext, *, code: str, pin: str,
                    intake: dict, now: datetime) -> Dossier:
    """Take back the completed form of a submission asked to be completed; status 1 again.

    Verification and the statutory clock count from this resubmission.
    """
    found = public_lookup(session, code=code, pin=pin, secret_key=ctx.secret_key)
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        dossier = uow.lock(Dossier.id == found.id)
        submission = _locked_submission_or_none(session, dossier.id)
        if submission is None or submission.state != SubmissionState.INCOMPLETE:
            raise SubmissionNotWaiting(f"dossier {code} was not asked to be completed",
                                       code=code, reason="not_incomplete")
        version = session.get(ProcedureVersion, dossier.procedure_version_id)
        fee = assess_intake(ctx, uow.calendar, version, intake, now=now)
        dossier.intake = intake
        dossier.fee_vnd, dossier.fee_basis = fee.amount_vnd, fee.basis
        change_status(session, dossier, DossierStatus.NEWLY_SUBMITTED, by=None, at=now)
        submission.state = SubmissionState.WAITING
        _wait_for_verification(uow, submission, now)
        uow.record(audit.Change(actor=CITIZEN, action="dossier.resubmitted_online",
                                dossier_code=dossier.code,
                                after={"status": int(DossierStatus.NEWLY_SUBMITTED),
                                       "verify_by": submission.verify_by.isoformat()}))
        uow.commit()
    return dossier


def awaits_completion(session: Session, dossier: Dossier) -> bool:
    """Tell whether reception asked the citizen to complete this online submission."""
    submission = session.get(OnlineSubmission, dossier.id)
    return submission is not None and submission.state == SubmissionState.INCOMPLETE


def end_unanswered(session: Session, dossier: Dossier) -> None:
    """Close the dossier's submission if reception has not answered it: nothing left to verify."""
    submission = _locked_submission_or_none(session, dossier.id)
    if submission is not None and submission.state in (SubmissionState.WAITING,
                                                       SubmissionState.INCOMPLETE):
        submission.state = SubmissionState.ENDED


def verification_due(session: Session, dossier: Dossier) -> datetime | None:
    """Return by when reception answers this online submission; None for any other dossier."""
    submission = session.get(OnlineSubmission, dossier.id)
    return submission.verify_by if submission is not None else None


@dataclass(frozen=True)
class WaitingSubmission:
    """A submission waiting for reception, and by when it must be verified."""

    dossier: Dossier
    submitted_at: datetime
    verify_by: datetime


def waiting_submissions(session: Session, *, user: User) -> list[WaitingSubmission]:
    """Return the submissions waiting for reception's verification, oldest first."""
    check_can_receive(user)
    rows = session.execute(
        select(Dossier, OnlineSubmission).join(OnlineSubmission,
                                               OnlineSubmission.dossier_id == Dossier.id)
        .where(OnlineSubmission.state == SubmissionState.WAITING,
               visible_dossiers(session, user))
        .order_by(OnlineSubmission.submitted_at, Dossier.id))
    return [WaitingSubmission(dossier, submission.submitted_at, submission.verify_by)
            for dossier, submission in rows]


def _wait_for_verification(uow: DossierUnitOfWork, submission: OnlineSubmission,
                           now: datetime) -> None:
    submission.submitted_at = now
    submission.verify_by = uow.calendar.add_working_hours(now, VERIFICATION_HOURS)


def _lock_waiting(uow: DossierUnitOfWork, code: str,
                  user: User) -> tuple[Dossier, OnlineSubmission]:
    check_can_receive(user)
    dossier = uow.session.scalars(select(Dossier.id).where(Dossier.code == code)).one_or_none()
    submission = None if dossier is None else _locked_submission_or_none(uow.session, dossier)
    if submission is None:
        raise DossierNotFound(f"No online submission has code '{code}'.", code=code)
    locked = uow.lock(Dossier.id == dossier)
    if submission.state != SubmissionState.WAITING:
        raise SubmissionNotWaiting(f"the submission {code} was already answered "
                                   f"({submission.state})", code=code, reason="answered",
                                   state=str(submission.state))
    return locked, submission


def _locked_submission_or_none(session: Session, dossier_id: int) -> OnlineSubmission | None:
    return session.scalars(select(OnlineSubmission)
                           .where(OnlineSubmission.dossier_id == dossier_id)
                           .with_for_update().execution_options(populate_existing=True)
                           ).one_or_none()


def _answer(uow: DossierUnitOfWork, dossier: Dossier, submission: OnlineSubmission,
            state: SubmissionState, *, user: User, kind: str, message: str,
            after: dict | None = None) -> None:
    submission.state = state
    submission.verified_at, submission.verified_by = uow.now, user.id
    uow.record(audit.Change(actor=user.username, action=f"online_submission.{state}",
                            dossier_code=dossier.code,
                            after={"status": dossier.status, **(after or {})}))
    notify_citizen(uow.session, kind=kind, dossier=dossier, message=message, now=uow.now)


def _local(uow: DossierUnitOfWork, moment: datetime) -> str:
    return moment.astimezone(uow.calendar.zone).strftime("%H:%M %d/%m/%Y")
