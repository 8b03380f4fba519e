"""Statutory deadlines: appointments, step due times, the paused clock, verdicts, what is next."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from engine import audit
from engine.calendar import WorkingCalendar
from engine.models import Dossier, HumanTask
from engine.statuses import DossierStatus

WAITING_FOR_CITIZEN = (DossierStatus.SUPPLEMENT_REQUESTED, DossierStatus.PAYMENT_REQUESTED)


class Verdict(StrEnum):
    """How a step or dossier finished against its due time."""

    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"


class PauseReason(StrEnum):
    """Why the statutory clock is not running."""

    CITIZEN = "citizen"  # waiting for a supplement: restarts by default
    PAYMENT = "payment"  # waiting for a payment: resumes where it stopped, never abandoned
    NOT_COUNTED = "not_counted"  # public posting and the like: resumes where it stopped


@dataclass(frozen=True)
class DeadlineRules:
    """Center-wide settings of the deadline rules."""

    supplement_wait_days: float = 15
    reminder_lead_hours: float = 8


@dataclass(frozen=True)
class StatutoryDeadline:
    """A procedure's deadline as its metadata states it."""

    working_days: float
    same_day: bool
    cutoff: time | None
    restart_on_resubmit: bool

    @classmethod
    def of(cls, meta: dict) -> "StatutoryDeadline":
        """Read the deadline from a procedure's metadata."""
        deadline = meta["deadline"]
        cutoff = deadline.get("cutoff")
        return cls(
            working_days=float(deadline.get("working_days", 0)),
            same_day=bool(deadline.get("same_day", False)),
            cutoff=time.fromisoformat(cutoff) if cutoff else None,
            restart_on_resubmit=meta.get("clock_on_resubmit", "restart") == "restart",
        )

    def due(self, calendar: WorkingCalendar, counted_from: datetime) -> datetime:
        """Return the appointment for a dossier whose clock starts at `counted_from`."""
        return calendar.statutory_due(counted_from, working_days=self.working_days,
                                      same_day=self.same_day, cutoff=self.cutoff)


def judge(calendar: WorkingCalendar, finished_at: datetime, due_at: datetime) -> Verdict:
    """Late after the due time; early on a working day before the due day; else on time."""
    if finished_at > due_at:
        return Verdict.LATE
    finished_day = calendar.next_working_start(finished_at).date()
    due_day = due_at.astimezone(calendar.zone).date()
    return Verdict.EARLY if finished_day < due_day else Verdict.ON_TIME


def reminder_time(calendar: WorkingCalendar, start: datetime, due_at: datetime,
                  rules: DeadlineRules) -> datetime | None:
    """Return when to remind, one lead before the due time; None if that is before the start."""
    at = calendar.subtract_working_hours(due_at, rules.reminder_lead_hours)
    return at if at > start else None


def set_appointment(dossier: Dossier, deadline: StatutoryDeadline, calendar: WorkingCalendar,
                    rules: DeadlineRules, *, counted_from: datetime) -> None:
    """Start (or restart) the dossier's statutory clock."""
    dossier.appointment_at = deadline.due(calendar, counted_from)
    _arm_reminders(dossier, calendar, rules, start=counted_from)


def _arm_reminders(dossier: Dossier, calendar: WorkingCalendar, rules: DeadlineRules, *,
                   start: datetime) -> None:
    dossier.remind_at = reminder_time(calendar, start, dossier.appointment_at, rules)
    dossier.reminded_at = dossier.escalated_at = None


def open_step(task: HumanTask, calendar: WorkingCalendar, rules: DeadlineRules,
              now: datetime) -> None:
    """Give a newly opened step its due time from its budget, in working hours."""
    task.due_at = calendar.add_working_hours(now, task.budget_hours)
    task.remind_at = reminder_time(calendar, now, task.due_at, rules)


def close_step(task: HumanTask, calendar: WorkingCalendar, now: datetime) -> None:
    """Record how long a completed step was worked and how it did against its due time."""
    if task.claimed_at is not None:
        task.worked_hours = calendar.working_hours_between(task.claimed_at, now)
    if task.due_at is not None:
        task.outcome = judge(calendar, now, task.due_at)


def waited(task: HumanTask, calendar: WorkingCalendar, now: datetime) -> float:
    """Return the working hours a step waited in the queue before being claimed at `now`."""
    return calendar.working_hours_between(task.created_at, now)


def update_clock(dossier: Dossier, *, deadline: Callable[[], StatutoryDeadline],
                 open_tasks: list[HumanTask], finished: bool, calendar: WorkingCalendar,
                 rules: DeadlineRules, actor: str, now: datetime) -> list[audit.Change]:
    """Stop, pause or resume the statutory clock after the dossier moved; return the changes.

    `deadline` reads the procedure's statutory deadline; only a resumed clock needs it.
    """
    if dossier.processed_at is not None or dossier.appointment_at is None:
        return []
    if finished or dossier.status == DossierStatus.PROCESSED:
        return _stop(dossier, calendar, actor, now)
    if dossier.status == DossierStatus.PAYMENT_REQUESTED:
        return _pause(dossier, PauseReason.PAYMENT, calendar, actor, now)
    if dossier.status in WAITING_FOR_CITIZEN:
        return _pause(dossier, PauseReason.CITIZEN, calendar, actor, now)
    if open_tasks and not any(task.counted for task in open_tasks):
        return _pause(dossier, PauseReason.NOT_COUNTED, calendar, actor, now)
    if dossier.clock_paused_at is not None:
        return _resume(dossier, deadline(), calendar, rules, actor, now)
    return []


def _stop(dossier, calendar, actor, now) -> list[audit.Change]:
    due = dossier.appointment_at
    dossier.processed_at = now
    dossier.outcome = judge(calendar, now, due) if dossier.clock_paused_at is None else (
        judge(calendar, dossier.clock_paused_at, due))
    dossier.clock_paused_at = dossier.clock_pause_reason = dossier.clock_remaining_hours = None
    return [audit.Change(actor=actor, action="deadline.stopped", dossier_code=dossier.code,
                         after={"outcome": dossier.outcome, "appointment_at": due.isoformat()})]


def _pause(dossier, reason, calendar, actor, now) -> list[audit.Change]:
    if dossier.clock_paused_at is not None:
        return []
    remaining = calendar.working_hours_between(now, dossier.appointment_at)
    dossier.clock_paused_at, dossier.clock_pause_reason = now, reason.value
    dossier.clock_remaining_hours = remaining
    return [audit.Change(actor=actor, action="deadline.paused", dossier_code=dossier.code,
                         after={"reason": reason.value, "remaining_hours": remaining})]


def _resume(dossier, deadline, calendar, rules, actor, now) -> list[audit.Change]:
    before = dossier.appointment_at
    restart = dossier.clock_pause_reason == PauseReason.CITIZEN and deadline.restart_on_resubmit
    if restart:
        # Decree 297/2025: when the supplemented dossier comes back the clock restarts from zero.
        set_appointment(dossier, deadline, calendar, rules, counted_from=now)
    else:
        start = calendar.next_working_start(now)
        dossier.appointment_at = calendar.add_working_hours(start, dossier.clock_remaining_hours)
        _arm_reminders(dossier, calendar, rules, start=start)
    dossier.clock_paused_at = dossier.clock_pause_reason = dossier.clock_remaining_hours = None
    return [audit.Change(actor=actor, action="deadline.restarted" if restart else
                         "deadline.resumed", dossier_code=dossier.code,
                         before={"appointment_at": before.isoformat()},
                         after={"appointment_at": dossier.appointment_at.isoformat()})]


def supplement_expiry(dossier: Dossier, calendar: WorkingCalendar,
                      rules: DeadlineRules) -> datetime | None:
    """Return when a dossier waiting for the citizen is closed for want of the supplement."""
    if dossier.clock_pause_reason != PauseReason.CITIZEN or dossier.clock_paused_at is None:
        return None
    return calendar.add_working_days(dossier.clock_paused_at, rules.supplement_wait_days)


def next_due(dossier: Dossier, open_tasks: list[HumanTask], calendar: WorkingCalendar,
             rules: DeadlineRules) -> datetime | None:
    """Return the earliest moment something about the dossier falls due, for the scheduler."""
    if dossier.finished_at is not None:
        return None
    moments = [dossier.timer_due_at, supplement_expiry(dossier, calendar, rules)]
    clock_running = (dossier.processed_at is None and dossier.clock_paused_at is None
                     and dossier.finished_at is None)
    if clock_running and dossier.reminded_at is None:
        moments.append(dossier.remind_at)
    if clock_running and dossier.escalated_at is None:
        moments.append(dossier.appointment_at)
    for task in open_tasks:
        if task.reminded_at is None:
            moments.append(task.remind_at)
        if task.escalated_at is None and task.counted:
            moments.append(task.due_at)
    return min((m for m in moments if m is not None), default=None)


def remaining_hours(calendar: WorkingCalendar, due_at: datetime | None,
                    now: datetime) -> float | None:
    """Return working hours left until `due_at`, negative once it has passed."""
    if due_at is None:
        return None
    if now <= due_at:
        return calendar.working_hours_between(now, due_at)
    return -calendar.working_hours_between(due_at, now)
