"""Dossiers ended before their decision: withdrawn by the citizen (7) or stopped (8).

Either way the open steps are cancelled, the workflow is cancelled, the statutory clock
stops and nothing more falls due; the status is held above the workflow
(engine.statuses.HELD_STATUSES) and its reason is kept on the status change, where the
citizen's page and the stop notice (Form 05) read it.
"""

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine import audit, notifications
from engine.access import check_can_stop, check_can_withdraw
from engine.context import EngineContext
from engine.dossiers import get_dossier_or_raise, public_lookup
from engine.errors import DossierDecided, InvalidInput, NotPermitted
from engine.models import Dossier, DossierStatusChange, HumanTask, User
from engine.notifications import Kind
from engine.online import end_unanswered
from engine.status_history import change_status
from engine.statuses import DossierStatus, Role, TaskState
from engine.unit_of_work import DossierUnitOfWork

CITIZEN = "citizen"
ENDED_BEFORE_DECISION = (DossierStatus.CITIZEN_WITHDRAWAL, DossierStatus.STOPPED)


def withdraw_dossier(session: Session, ctx: EngineContext, *, code: str, user: User,
                     reason: str | None, now: datetime) -> Dossier:
    """Withdraw a dossier at its citizen's request, recorded by reception."""
    check_can_withdraw(user)
    dossier = get_dossier_or_raise(session, code, user=user)
    return _end(session, ctx, dossier, DossierStatus.CITIZEN_WITHDRAWAL,
                reason=(reason or "").strip() or None, actor=user.username, by=user.id, now=now)


def withdraw_by_citizen(session: Session, ctx: EngineContext, *, code: str, pin: str,
                        reason: str | None, now: datetime) -> Dossier:
    """Withdraw a dossier for whoever holds its code and PIN; a wrong PIN is an unknown code."""
    dossier = public_lookup(session, code=code, pin=pin, secret_key=ctx.secret_key)
    return _end(session, ctx, dossier, DossierStatus.CITIZEN_WITHDRAWAL,
                reason=(reason or "").strip() or None, actor=CITIZEN, by=None, now=now)


def stop_dossier(session: Session, ctx: EngineContext, *, code: str, user: User, reason: str,
                 now: datetime) -> Dossier:
    """Stop processing a dossier, for a reason the citizen is told (a head or a leader)."""
    dossier = get_dossier_or_raise(session, code, user=user)
    check_can_stop(session, user, dossier)
    if not reason.strip():
        raise InvalidInput("a stop needs a reason: the citizen's stop notice states it",
                           field="reason", reason="stop_reason_required")
    return _end(session, ctx, dossier, DossierStatus.STOPPED, reason=reason.strip(),
                actor=user.username, by=user.id, now=now)


def end_actions(session: Session, user: User, dossier: Dossier) -> dict[str, bool]:
    """Tell which ends the user may give the dossier now: `withdraw` and `stop`."""
    if is_decided(session, dossier):
        return {"withdraw": False, "stop": False}
    return {"withdraw": _permitted(check_can_withdraw, user),
            "stop": _permitted(check_can_stop, session, user, dossier)}


def _permitted(check, *args) -> bool:
    try:
        check(*args)
    except NotPermitted:
        return False
    return True


def end_reason(session: Session, dossier: Dossier) -> str | None:
    """Return why the dossier was withdrawn or stopped: its latest change to 7 or 8."""
    change = ending(session, dossier)
    return change.reason if change is not None else None


def ending(session: Session, dossier: Dossier) -> DossierStatusChange | None:
    """Return the change that withdrew or stopped the dossier, or None while it has not ended so."""
    if dossier.status not in ENDED_BEFORE_DECISION:
        return None
    return session.scalar(
        select(DossierStatusChange)
        .where(DossierStatusChange.dossier_id == dossier.id,
               DossierStatusChange.to_status.in_([int(s) for s in ENDED_BEFORE_DECISION]))
        .order_by(DossierStatusChange.at.desc(), DossierStatusChange.id.desc()).limit(1))


def end_dossier(session: Session, dossier: Dossier, tasks: list[HumanTask],
                status: DossierStatus, *, by: int | None, reason: str | None,
                now: datetime) -> None:
    """End the dossier's rows in `status`: its open steps cancelled, its clock stopped."""
    for task in tasks:
        task.state = TaskState.CANCELLED
    change_status(session, dossier, status, by=by, at=now, reason=reason)
    dossier.finished_at = now
    dossier.timer_due_at = dossier.next_due_at = None
    dossier.clock_paused_at = dossier.clock_pause_reason = dossier.clock_remaining_hours = None


_ACTIONS = {DossierStatus.CITIZEN_WITHDRAWAL: ("dossier.withdrawn", Kind.DOSSIER_WITHDRAWN,
                                               "Hồ sơ {code} đã được rút theo yêu cầu của công "
                                               "dân."),
            DossierStatus.STOPPED: ("dossier.stopped", Kind.DOSSIER_STOPPED,
                                    "Hồ sơ {code} đã bị dừng xử lý.")}


def _end(session: Session, ctx: EngineContext, dossier: Dossier, status: DossierStatus, *,
         reason: str | None, actor: str, by: int | None, now: datetime) -> Dossier:
    action, kind, message = _ACTIONS[status]
    with DossierUnitOfWork(session, ctx, now=now) as uow:
        dossier = uow.lock(Dossier.id == dossier.id)
        _check_undecided(session, dossier)
        tasks = uow.open_rows(reload=True)
        before = dossier.status
        if dossier.workflow_state:  # an online submission has none until reception accepts it
            uow.advance(ctx.runtime.cancel, step=action, actor=actor)
        end_unanswered(session, dossier)
        end_dossier(session, dossier, tasks, status, by=by, reason=reason, now=now)
        said = message.format(code=dossier.code)
        notifications.notify_citizen(session, kind=kind, dossier=dossier,
                                       message=f"{said} Lý do: {reason}" if reason else said,
                                       now=now)
        session.flush()
        uow.record(*(audit.Change(actor=actor, action="task.cancelled",
                                  dossier_code=dossier.code, task_id=task.id,
                                  after={"step": task.step}) for task in tasks))
        uow.record(audit.Change(actor=actor, action=action, dossier_code=dossier.code,
                                before={"status": before},
                                after={"status": int(status), "reason": reason}))
        uow.commit()
    ctx.due_changed()
    return dossier


def is_decided(session: Session, dossier: Dossier) -> bool:
    """Tell whether the dossier ended, was processed, or was signed by a leader (its decision)."""
    if DossierStatus(dossier.status).is_final or dossier.processed_at is not None:
        return True
    return dossier.status == DossierStatus.PROCESSED or bool(session.scalar(select(exists().where(
        HumanTask.dossier_id == dossier.id, HumanTask.state == TaskState.COMPLETED,
        HumanTask.required_role == Role.LEADER))))


def _check_undecided(session: Session, dossier: Dossier) -> None:
    """Refuse a dossier already ended, or decided (a 409 with the reason)."""
    status = DossierStatus(dossier.status)
    if status.is_final:
        raise DossierDecided(f"dossier {dossier.code} has already ended ({status.label_en})",
                             reason="ended", dossier=dossier.code, status=status.label_vi)
    if is_decided(session, dossier):
        raise DossierDecided(f"dossier {dossier.code} is already decided: its leader signed "
                             "or it was processed", dossier=dossier.code)
