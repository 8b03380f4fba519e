"""Shape engine rows for responses, adding what depends on the clock (remaining working time)."""

from datetime import datetime

from flask import current_app

from api.extensions import db
from engine.deadlines import remaining_hours
from engine.dossier_versions import dossier_version
from engine.models import DeadlineExtension, Dossier, HumanTask
from engine.procedures import get_procedure_or_raise
from engine.projection import open_tasks
from engine.stops import end_reason


def _deadline(due_at: datetime | None, now: datetime) -> dict:
    calendar = current_app.extensions["motcua"].calendar(db.session)
    remaining = remaining_hours(calendar, due_at, now)
    return {"remaining_working_hours": None if remaining is None else round(remaining, 2),
            "overdue": remaining is not None and due_at < now}


def task_view(task: HumanTask, now: datetime, **extra) -> dict:
    """Return a step with its deadline, ready to dump."""
    columns = {c.key: getattr(task, c.key) for c in HumanTask.__table__.columns}
    is_open = task.completed_at is None and task.state in ("ready", "claimed")
    deadline = _deadline(task.due_at if is_open else None, now)
    return {**columns, "assignee": task.assignee, **deadline, **extra}


def dossier_view(dossier: Dossier, now: datetime, **extra) -> dict:
    """Return a dossier with its open steps and deadline, ready to dump."""
    columns = {c.key: getattr(dossier, c.key) for c in Dossier.__table__.columns}
    running = (dossier.processed_at is None and dossier.clock_paused_at is None
               and dossier.finished_at is None)
    deadline = _deadline(dossier.appointment_at if running else None, now)
    steps = [task_view(task, now) for task in open_tasks(db.session, dossier)]
    return {**columns, "procedure_version": dossier_version(db.session, dossier).number,
            "open_steps": steps, "clock_paused": dossier.clock_paused_at is not None,
            "end_reason": end_reason(db.session, dossier), **deadline, **extra}


def apology_view(extension: DeadlineExtension) -> dict:
    """Return the apology and new appointment with everything Form 04 prints."""
    dossier = db.session.get(Dossier, extension.dossier_id)
    procedure = get_procedure_or_raise(db.session, dossier.procedure_code)
    return {
        "agency_code": current_app.extensions["motcua"].agency_code,
        "procedure_code": procedure.code, "procedure_name_vi": procedure.name_vi,
        "dossier_code": dossier.code,
        "citizen_full_name": dossier.applicant.get("full_name"),
        "citizen_id_number": dossier.applicant.get("id_number"),
        "original_appointment_at": extension.original_appointment_at,
        "new_appointment_at": extension.new_appointment_at, "reason": extension.reason,
        "apology": extension.apology, "signed_by": extension.signed_by,
        "recorded_at": extension.recorded_at,
    }
