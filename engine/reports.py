"""Supervisor reports: progress, step timings and the headline, aggregated in SQL.

Every report is one or two GROUP BY queries with filtered aggregates, never a loop over
dossiers, so it answers over millions of rows. Periods are half-open, [start, end), given
as aware datetimes; `period_of` turns a first and last local day into one.

What the columns can and cannot know: a dossier's status at any past moment is read from
its status history (engine.status_history), its appointment and whether its clock ran from
its clock history (engine.clock_history), and when it was received, processed and finished
from its timestamps, all fixed once they happen. Each function says which it reads.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Subquery, and_, case, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from engine import clock_history, status_history, step_rollups
from engine.deadlines import Verdict
from engine.errors import InvalidInput
from engine.models import Department, Document, Dossier, HumanTask, Procedure, User
from engine.procedures import get_procedure_or_raise
from engine.statuses import Channel, DocumentKind, DossierStatus, Handling, TaskState

GroupBy = Literal["procedure", "department", "officer"]
GROUPINGS: tuple[str, ...] = ("procedure", "department", "officer")
# Final statuses that end a dossier without a result: they are never "completed".
REFUSED, WITHDRAWN, STOPPED = (DossierStatus.NOT_ACCEPTED, DossierStatus.CITIZEN_WITHDRAWAL,
                               DossierStatus.STOPPED)
ENDED_WITHOUT_RESULT = (REFUSED, WITHDRAWN, STOPPED)
# "Paused" in DVCQG reports: supplement requested, payment requested, stopped.
PAUSED_STATUSES = (DossierStatus.SUPPLEMENT_REQUESTED, DossierStatus.PAYMENT_REQUESTED,
                   DossierStatus.STOPPED)
TOTAL_LABEL = "Tổng cộng"
UNASSIGNED_LABEL = "Chưa phân công"
SHARE_DIGITS = 4
HOURS_DIGITS = 2


def period_of(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return [first_day 00:00, the day after last_day 00:00) in `zone`."""
    if first_day > last_day:
        raise InvalidInput(f"the period starts on {first_day.isoformat()}, after its end "
                           f"{last_day.isoformat()}: give from ≤ to", field="from",
                           reason="period_reversed", first_day=first_day.isoformat(),
                           last_day=last_day.isoformat())
    return (datetime.combine(first_day, time(0), tzinfo=zone),
            datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone))


# --- progress ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ProgressRow:
    """One line of the progress report: a procedure, a department, an officer, or the total.

    Dossier groupings fill every column. Officer rows count *steps*, not dossiers: only
    the completed and in-progress columns apply and the others are None.
    """

    key: str | None
    name: str
    is_total: bool
    received_carried_over: int | None
    received_new: int | None
    received_total: int | None
    received_counter: int | None
    received_online: int | None
    received_post: int | None
    completed: int
    completed_early: int
    completed_on_time: int
    completed_late: int
    in_progress_within_deadline: int
    in_progress_overdue: int
    paused: int | None
    stopped: int | None
    withdrawn: int | None
    refused: int | None
    digitised_share: float | None
    reused_share: float | None
    online_share: float | None


@dataclass(frozen=True)
class _DossierCounts:
    """Raw aggregates of one group, summable into the total row."""

    carried_over: int = 0
    received_new: int = 0
    counter: int = 0
    online: int = 0
    post: int = 0
    completed: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    open_at_end: int = 0
    paused: int = 0
    overdue: int = 0
    stopped: int = 0
    withdrawn: int = 0
    refused: int = 0
    components_total: int = 0
    components_digitised: int = 0
    components_reused: int = 0
    fully_digitised: int = 0

    def __add__(self, other: "_DossierCounts") -> "_DossierCounts":
        return _DossierCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                                 for f in fields(self)})

    @property
    def in_progress(self) -> int:
        return self.open_at_end - self.paused


def _dossiers_in_scope(period_start: datetime, period_end: datetime) -> Subquery:
    """Return the dossiers received before the end and not closed before the start.

    With each comes when it closed and its status at the end. Both are computed once per
    dossier here, so the aggregates that read them many times do not repeat them, and
    the status history is looked up only where the dossier's own columns cannot tell.
    """
    start, end = period_start, period_end
    # When the dossier left the workflow: processed, else finished, else (a final status
    # taken on an open step) when its status history first shows it refused, withdrawn or
    # stopped. All three are fixed once they happen; the look-up is made only for a
    # dossier whose current status is one of those, since they are final.
    closed_at = func.coalesce(Dossier.processed_at, Dossier.finished_at, case(
        (Dossier.status.in_(ENDED_WITHOUT_RESULT),
         status_history.first_entered(ENDED_WITHOUT_RESULT))))
    # Its status at the end of the period: the current one, unless the dossier was still
    # open then and has changed since (every status change also moves updated_at); then
    # the status history says. A dossier closed by the end keeps a status of the same
    # kind (a result returned after it was processed; refused, withdrawn and stopped are
    # final). One written outside the engine, without history, keeps its current status.
    changed_since = and_(or_(closed_at.is_(None), closed_at >= end), Dossier.updated_at >= end)
    status = case((changed_since, func.coalesce(status_history.status_at(end), Dossier.status)),
                  else_=Dossier.status)
    # Its clock at the end, the same way from its clock history (every clock change also
    # moves updated_at); a dossier without clock history keeps its current clock.
    ran = or_(Dossier.clock_paused_at.is_(None), Dossier.clock_paused_at >= end)
    appointment = case((changed_since, func.coalesce(clock_history.appointment_at(end),
                                                     Dossier.appointment_at)),
                       else_=Dossier.appointment_at)
    running = case((changed_since, func.coalesce(clock_history.running_at(end), ran)),
                   else_=ran)
    components = _recorded_components()
    recorded = components.c.total.is_not(None)

    def component_count(from_records, typed):
        return case((recorded, from_records), else_=typed)

    return (select(Dossier.procedure_code, Dossier.received_at, Dossier.channel,
                   Dossier.outcome, appointment.label("appointment_at"),
                   running.label("clock_running"),
                   component_count(components.c.total, Dossier.components_total)
                   .label("components_total"),
                   component_count(components.c.digitised, Dossier.components_digitised)
                   .label("components_digitised"),
                   component_count(components.c.reused, Dossier.components_reused)
                   .label("components_reused"),
                   closed_at.label("closed_at"), status.label("status"))
            .select_from(Dossier)
            .outerjoin(components, components.c.dossier_id == Dossier.id)
            .where(Dossier.received_at < end, or_(closed_at.is_(None), closed_at >= start))
            # OFFSET 0 keeps PostgreSQL from merging this query into the aggregate, which
            # would copy the look-ups into every aggregate that reads them.
            .offset(0).subquery("dossiers_at_end"))


def _recorded_components() -> Subquery:
    """Return per dossier with component records the required documents handed in, and how.

    A dossier received before components were recorded (engine.documents) has none: its
    counters typed at receipt stand instead.
    """
    def documents(*conditions):
        handed_in = func.count(Document.required_document.distinct())
        return handed_in.filter(*conditions) if conditions else handed_in

    return (select(Document.dossier_id, documents().label("total"),
                   documents(Document.handling == Handling.DIGITISED).label("digitised"),
                   documents(Document.handling == Handling.REUSED).label("reused"))
            .where(Document.kind == DocumentKind.COMPONENT)
            .group_by(Document.dossier_id).subquery("recorded_components"))


def _dossier_measures(dossiers: Subquery, period_start: datetime, period_end: datetime,
                      now: datetime) -> dict:
    """Return the filtered aggregates over `_dossiers_in_scope` by _DossierCounts field.

    Every dossier in scope lands in exactly one of: completed, refused, withdrawn, stopped,
    paused, in progress.
    """
    d = dossiers.c
    start, end, cutoff = period_start, period_end, min(period_end, now)
    new = d.received_at >= start
    closed = d.closed_at < end
    open_at_end = or_(d.closed_at.is_(None), d.closed_at >= end)
    waiting = d.status.in_(PAUSED_STATUSES)
    completed = and_(closed, d.status.not_in(ENDED_WITHOUT_RESULT))

    def count(*conditions):
        return func.count().filter(and_(*conditions))

    def total(column, *conditions):
        return func.coalesce(func.sum(column).filter(and_(*conditions)), 0)

    return {
        "carried_over": count(d.received_at < start),
        "received_new": count(new),
        "counter": count(new, d.channel == Channel.COUNTER),
        "online": count(new, d.channel == Channel.ONLINE),
        "post": count(new, d.channel == Channel.POST),
        "completed": count(completed),
        "early": count(completed, d.outcome == Verdict.EARLY.value),
        "on_time": count(completed, d.outcome == Verdict.ON_TIME.value),
        "late": count(completed, d.outcome == Verdict.LATE.value),
        "open_at_end": count(open_at_end),
        "paused": count(open_at_end, waiting),
        "overdue": count(open_at_end, ~waiting, d.clock_running, d.appointment_at < cutoff),
        "stopped": count(closed, d.status == STOPPED),
        "withdrawn": count(closed, d.status == WITHDRAWN),
        "refused": count(closed, d.status == REFUSED),
        "components_total": total(d.components_total, new),
        "components_digitised": total(d.components_digitised, new),
        "components_reused": total(d.components_reused, new),
        "fully_digitised": count(new, d.components_digitised + d.components_reused
                                 >= d.components_total),
    }


def _dossier_counts(session: Session, *, period_start: datetime, period_end: datetime,
                    now: datetime, group_by: str | None) -> list[tuple[str | None, str,
                                                                       _DossierCounts]]:
    if session.get_bind().dialect.name == "postgresql":
        # The status-history look-ups rarely run but are costed as if each row made them,
        # which tips PostgreSQL into JIT-compiling the query: 0.5 s to save nothing.
        session.execute(text("SET LOCAL jit = off"))
    dossiers = _dossiers_in_scope(period_start, period_end)
    measures = _dossier_measures(dossiers, period_start, period_end, now)
    keys = {"procedure": (Procedure.code, Procedure.name_vi),
            "department": (Department.code, Department.name_vi)}.get(group_by, ())
    query = (select(*keys, *(expr.label(name) for name, expr in measures.items()))
             .select_from(dossiers))
    if keys:
        query = (query.join(Procedure, Procedure.code == dossiers.c.procedure_code)
                 .join(Department, Department.code == Procedure.department_code)
                 .group_by(*keys).order_by(keys[0]))
    return [(row[0] if keys else None, row[1] if keys else TOTAL_LABEL,
             _DossierCounts(**{name: int(row._mapping[name]) for name in measures}))
            for row in session.execute(query)]


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, SHARE_DIGITS)


def _dossier_row(key: str | None, name: str, counts: _DossierCounts, *,
                 is_total: bool = False) -> ProgressRow:
    return ProgressRow(
        key=key, name=name, is_total=is_total,
        received_carried_over=counts.carried_over, received_new=counts.received_new,
        received_total=counts.carried_over + counts.received_new,
        received_counter=counts.counter, received_online=counts.online,
        received_post=counts.post,
        completed=counts.completed, completed_early=counts.early,
        completed_on_time=counts.on_time, completed_late=counts.late,
        in_progress_within_deadline=counts.in_progress - counts.overdue,
        in_progress_overdue=counts.overdue, paused=counts.paused, stopped=counts.stopped,
        withdrawn=counts.withdrawn, refused=counts.refused,
        digitised_share=_share(counts.components_digitised, counts.components_total),
        reused_share=_share(counts.components_reused, counts.components_total),
        online_share=_share(counts.online, counts.received_new),
    )


@dataclass(frozen=True)
class _StepCounts:
    completed: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    open_at_end: int = 0
    overdue: int = 0

    def __add__(self, other: "_StepCounts") -> "_StepCounts":
        return _StepCounts(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                              for f in fields(self)})


def _officer_rows(session: Session, *, period_start: datetime, period_end: datetime,
                  now: datetime) -> list[ProgressRow]:
    start, end, cutoff = period_start, period_end, min(period_end, now)
    officer = func.coalesce(HumanTask.completed_by, HumanTask.assignee_id)
    completed = and_(HumanTask.state == TaskState.COMPLETED, HumanTask.completed_at < end)
    open_at_end = or_(HumanTask.completed_at.is_(None), HumanTask.completed_at >= end)

    def count(*conditions):
        return func.count().filter(and_(*conditions))

    measures = {
        "completed": count(completed),
        "early": count(completed, HumanTask.outcome == Verdict.EARLY.value),
        "on_time": count(completed, HumanTask.outcome == Verdict.ON_TIME.value),
        "late": count(completed, HumanTask.outcome == Verdict.LATE.value),
        "open_at_end": count(open_at_end),
        "overdue": count(open_at_end, HumanTask.due_at < cutoff),
    }
    # Aggregate per officer id first, then name the few officers: grouping the steps by
    # name columns would make PostgreSQL sort them all instead of hashing.
    per_officer = (
        select(officer.label("officer"), *(expr.label(name) for name, expr in measures.items()))
        .where(HumanTask.counted.is_(True), HumanTask.state != TaskState.CANCELLED,
               HumanTask.created_at < end,
               or_(HumanTask.completed_at.is_(None), HumanTask.completed_at >= start))
        .group_by(officer).subquery()
    )
    query = (select(User.username, User.full_name,
                    *(per_officer.c[name] for name in measures))
             .select_from(per_officer).outerjoin(User, User.id == per_officer.c.officer))
    groups = [(row.username, (row.full_name or row.username) if row.username
               else UNASSIGNED_LABEL, _StepCounts(**{n: int(row._mapping[n]) for n in measures}))
              for row in session.execute(query)]
    groups.sort(key=lambda group: (group[0] is None, group[0] or ""))
    rows = [_step_row(key, name, counts) for key, name, counts in groups]
    total = sum((counts for _, _, counts in groups), _StepCounts())
    return [*rows, _step_row(None, TOTAL_LABEL, total, is_total=True)]


def _step_row(key: str | None, name: str, counts: _StepCounts, *,
              is_total: bool = False) -> ProgressRow:
    return ProgressRow(
        key=key, name=name, is_total=is_total, received_carried_over=None, received_new=None,
        received_total=None, received_counter=None, received_online=None, received_post=None,
        completed=counts.completed, completed_early=counts.early,
        completed_on_time=counts.on_time, completed_late=counts.late,
        in_progress_within_deadline=counts.open_at_end - counts.overdue,
        in_progress_overdue=counts.overdue, paused=None, stopped=None, withdrawn=None,
        refused=None, digitised_share=None, reused_share=None, online_share=None,
    )


def progress_report(session: Session, *, period_start: datetime, period_end: datetime,
                    group_by: GroupBy, now: datetime) -> list[ProgressRow]:
    """Return the progress report of [period_start, period_end), one row per group, then the total.

    Dossiers in scope were received before the end and not closed before the start
    ("closed" = processed, else finished, else first refused, withdrawn or stopped by its
    status history, for a final status taken on an open step). Each lands in exactly one
    of the outcome columns, so received_total = completed + in progress + paused + stopped
    + withdrawn + refused:

    - received_carried_over: received before the start; received_new: during the period,
      split by channel (counter, online, post).
    - completed: closed during the period with a status at its end other than refused
      (3), withdrawn (7) or stopped (8); completed_early / on_time / late by the
      dossier's verdict. A dossier without an appointment has no verdict, so completed
      may exceed their sum.
    - refused / withdrawn / stopped: closed during the period with status 3 / 7 / 8 at
      its end.
    - paused: not closed by the end and in status 5, 6 or 8 at the end, by its status
      history: a dossier paused at the end and resumed since still counts as paused.
    - in_progress_overdue: not closed by the end, not paused, clock running at the end,
      and its appointment at the end (by its clock history) before min(end, now);
      in_progress_within_deadline: the rest (including dossiers without an appointment).
    - digitised_share / reused_share: components digitised / reused over components
      handed in, over dossiers received during the period: a dossier's component records
      (engine.documents; each required document counted once) where it has any, else the
      counters typed at its receipt; online_share: online over
      received_new. None when the denominator is zero.

    Grouping by procedure or by the procedure's responsible department lists only groups
    with dossiers in scope. Grouping by officer counts *steps* whose time counts against
    the deadline (counted steps), not dossiers, because a dossier passes through several
    officers: a completed step belongs to whoever completed it (completed_early / on_time
    / late by the step's own verdict against its due time, completed_at in the period); a
    step open at the end (created before it, completed after it or not yet, not
    cancelled) belongs to whoever holds it now, or to the unassigned row while it waits
    in the department's queue, and is overdue when its due time is before min(end, now).
    Cancelled steps record no cancellation time and are left out.
    """
    if group_by not in GROUPINGS:
        raise InvalidInput(f"cannot group by '{group_by}'; choose one of {list(GROUPINGS)}",
                           field="group_by", reason="unknown_grouping", group_by=group_by,
                           known=list(GROUPINGS))
    if group_by == "officer":
        return _officer_rows(session, period_start=period_start, period_end=period_end,
                             now=now)
    groups = _dossier_counts(session, period_start=period_start, period_end=period_end,
                             now=now, group_by=group_by)
    total = sum((counts for _, _, counts in groups), _DossierCounts())
    return [*(_dossier_row(key, name, counts) for key, name, counts in groups),
            _dossier_row(None, TOTAL_LABEL, total, is_total=True)]


# --- step timings ------------------------------------------------------------------------

@dataclass(frozen=True)
class StepTimingRow:
    """How long one step of a procedure waited and was worked, in working hours."""

    rank: int | None
    procedure_code: str
    step: str
    step_name: str
    department_code: str
    counted: bool
    completed: int
    waited_mean: float | None
    waited_median: float | None
    waited_p90: float | None
    worked_mean: float | None
    worked_median: float | None
    worked_p90: float | None
    budget_hours: float
    load: float | None
    late_share: float | None


def _hours(value) -> float | None:
    return None if value is None else round(float(value), HOURS_DIGITS)


def _mean(total: float, count: int) -> float | None:
    return total / count if count else None


def step_timings(session: Session, *, first_day: date, last_day: date, zone: ZoneInfo,
                 procedure_code: str | None = None) -> list[StepTimingRow]:
    """Return per procedure step the waited and worked hours of steps completed in the days.

    The days are local to `zone`, the zone the worker rolls steps up in (the calendar's).
    A step's waited hours run from opening to claim, its worked hours from claim to
    completion, both in working hours as fixed when they ended. Mean, median and 90th
    percentile (interpolated, as percentile_cont; within 0.005 h, see
    engine.step_rollups) ignore steps without the value. budget_hours is the mean budget
    of the steps counted (the same number unless a model version changed it); load is
    (mean waited + mean worked) / budget; late_share is late steps over completed ones.
    Steps whose time counts against the deadline are ranked as bottlenecks, largest load
    first (rank 1); steps not counted (waiting for the citizen, returning results) follow
    without a rank. An unknown procedure raises ProcedureNotFound.
    """
    period = period_of(first_day, last_day, zone)
    if procedure_code is not None:
        get_procedure_or_raise(session, procedure_code)
    found = step_rollups.tallies(session, first_day=first_day, last_day=last_day,
                                 period=period, procedure_code=procedure_code)
    rows = []
    for (procedure, step, department, counted), tally in found.items():
        waited = _mean(tally.waited_sum, tally.waited_count)
        worked = _mean(tally.worked_sum, tally.worked_count)
        budget = tally.budget_sum / tally.completed
        spent = None if waited is None and worked is None else (waited or 0) + (worked or 0)
        load = None if spent is None or budget <= 0 else round(spent / budget, SHARE_DIGITS)
        rows.append(StepTimingRow(
            rank=None, procedure_code=procedure, step=step, step_name=tally.step_name,
            department_code=department, counted=counted, completed=tally.completed,
            waited_mean=_hours(waited),
            waited_median=_hours(step_rollups.histogram_percentile(tally.waited, 0.5)),
            waited_p90=_hours(step_rollups.histogram_percentile(tally.waited, 0.9)),
            worked_mean=_hours(worked),
            worked_median=_hours(step_rollups.histogram_percentile(tally.worked, 0.5)),
            worked_p90=_hours(step_rollups.histogram_percentile(tally.worked, 0.9)),
            budget_hours=_hours(budget), load=load,
            late_share=_share(tally.late, tally.completed)))
    rows.sort(key=lambda r: (not r.counted, r.load is None, -(r.load or 0), r.procedure_code,
                             r.step))
    return [StepTimingRow(**{**_as_dict(row), "rank": n if row.counted else None})
            for n, row in enumerate(rows, 1)]


def _as_dict(row) -> dict:
    return {f.name: getattr(row, f.name) for f in fields(row)}


# --- on-time rate by month ---------------------------------------------------------------

@dataclass(frozen=True)
class MonthlyOnTimeRow:
    """Dossiers a department completed in one local month, and how many early or on time."""

    month: str
    department_code: str
    department_name: str
    completed: int
    early_or_on_time: int
    on_time_rate: float | None


def _local_month(session: Session, column: str, period_start: datetime):
    """Return the YYYY-MM of a stored UTC timestamp in the zone of `period_start`.

    Constants are inlined, not bound, so GROUP BY repeats the select's expression exactly.
    """
    zone = period_start.tzinfo
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres and isinstance(zone, ZoneInfo):
        name = zone.key.replace("'", "''")
        return literal_column(f"to_char(timezone('{name}', timezone('UTC', "
                              f"{column})), 'YYYY-MM')")
    # Without a zone database (SQLite), shift by the offset at the period start: Vietnam
    # has kept +07:00 without daylight saving since 1975.
    minutes = int(period_start.utcoffset().total_seconds() // 60)
    if postgres:
        return literal_column(f"to_char({column} + interval '{minutes} minutes', "
                              "'YYYY-MM')")
    return literal_column(f"strftime('%Y-%m', {column}, '{minutes:+d} minutes')")


def on_time_by_month(session: Session, *, period_start: datetime,
                     period_end: datetime) -> list[MonthlyOnTimeRow]:
    """Return per local month and responsible department the share completed early or on time.

    Completed means what it means in the progress report: processed in the period, not
    refused, withdrawn or stopped. Months are read in the zone of `period_start`.
    """
    month = _local_month(session, "dossiers.processed_at", period_start)
    good = Dossier.outcome.in_([Verdict.EARLY.value, Verdict.ON_TIME.value])
    query = (
        select(month, Department.code, Department.name_vi, func.count(),
               func.count().filter(good))
        .select_from(Dossier).join(Procedure, Procedure.code == Dossier.procedure_code)
        .join(Department, Department.code == Procedure.department_code)
        .where(Dossier.processed_at >= period_start, Dossier.processed_at < period_end,
               Dossier.status.not_in(ENDED_WITHOUT_RESULT))
        .group_by(month, Department.code, Department.name_vi)
        .order_by(month, Department.code)
    )
    return [MonthlyOnTimeRow(month=m, department_code=code, department_name=name,
                             completed=completed, early_or_on_time=good_count,
                             on_time_rate=_share(good_count, completed))
            for m, code, name, completed, good_count in session.execute(query)]


# --- headline ----------------------------------------------------------------------------

ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December")


def whole_percent(part: int, whole: int) -> int | None:
    """Return part/whole as a whole percentage, half up, never 100 or 0 unless exact."""
    if whole == 0:
        return None
    share = Fraction(part, whole) * 100
    percent = int(share + Fraction(1, 2))
    if percent == 100 and part < whole:
        return 99
    if percent == 0 and part > 0:
        return 1
    return percent


@dataclass(frozen=True)
class Headline:
    """The figures of a commune's progress sentence, as the Xuân Hòa report gives them.

    - received: dossiers received during the period.
    - processed_and_digitised: of those, dossiers handled in the system with every
      component digitised or reused, by its component records, else its counters
      (digitised + reused ≥ handed in; a dossier with no components counts). Not
      "finished": in the Xuân Hòa figures the 3,366 processed and digitised include the 25
      still in progress.
    - digitised_share: processed_and_digitised / received.
    - reused_share: components reused / components handed in, over dossiers received
      (from component records where a dossier has them, as in the progress report).
    - early_or_on_time, in_progress_within_deadline, overdue: the total row of the
      progress report (completed during the period, carried-over dossiers included; in
      progress at the end of the period).
    """

    first_day: date
    last_day: date
    received: int
    processed_and_digitised: int
    digitised_share: float | None
    components_total: int
    components_reused: int
    reused_share: float | None
    early_or_on_time: int
    in_progress_within_deadline: int
    overdue: int

    def text(self) -> str:
        """Render the English sentence, e.g. "From 1 July 2025 to 12 November 2025: ..."."""
        return (f"From {_english_day(self.first_day)} to {_english_day(self.last_day)}: "
                f"{self.received:,} dossiers received, {self.processed_and_digitised:,} "
                f"processed and digitised ({self._digitised_percent('n/a')}), "
                f"reused components {self._reused_percent('n/a')}, "
                f"{self.early_or_on_time:,} processed early or on time, "
                f"{self.in_progress_within_deadline:,} in progress within deadline, "
                f"{self.overdue:,} overdue.")

    def text_vi(self) -> str:
        """Render the Vietnamese sentence, e.g. "Từ ngày 01/07/2025 đến ngày 12/11/2025: ..."."""
        return (f"Từ ngày {self.first_day:%d/%m/%Y} đến ngày {self.last_day:%d/%m/%Y}: "
                f"tiếp nhận {_vi_number(self.received)} hồ sơ, xử lý và số hóa "
                f"{_vi_number(self.processed_and_digitised)} hồ sơ (đạt "
                f"{self._digitised_percent('không có dữ liệu')}), tái sử dụng thành phần "
                f"hồ sơ đạt {self._reused_percent('không có dữ liệu')}, giải quyết trước hạn "
                f"và đúng hạn {_vi_number(self.early_or_on_time)} hồ sơ, "
                f"{_vi_number(self.in_progress_within_deadline)} hồ sơ đang giải quyết "
                f"trong hạn, {_vi_number(self.overdue)} hồ sơ quá hạn.")

    def _digitised_percent(self, missing: str) -> str:
        percent = whole_percent(self.processed_and_digitised, self.received)
        return missing if percent is None else f"{percent}%"

    def _reused_percent(self, missing: str) -> str:
        percent = whole_percent(self.components_reused, self.components_total)
        return missing if percent is None else f"{percent}%"


def _english_day(day: date) -> str:
    return f"{day.day} {ENGLISH_MONTHS[day.month - 1]} {day.year}"


def _vi_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def headline(session: Session, *, period_start: datetime, period_end: datetime,
             now: datetime) -> Headline:
    """Return the headline figures of [period_start, period_end); days read in its start's zone."""
    [(_, _, counts)] = _dossier_counts(session, period_start=period_start,
                                       period_end=period_end, now=now, group_by=None)
    zone = period_start.tzinfo
    last_moment = period_end.astimezone(zone) - timedelta(microseconds=1)
    return Headline(
        first_day=period_start.date(), last_day=last_moment.date(),
        received=counts.received_new, processed_and_digitised=counts.fully_digitised,
        digitised_share=_share(counts.fully_digitised, counts.received_new),
        components_total=counts.components_total,
        components_reused=counts.components_reused,
        reused_share=_share(counts.components_reused, counts.components_total),
        early_or_on_time=counts.early + counts.on_time,
        in_progress_within_deadline=counts.in_progress - counts.overdue,
        overdue=counts.overdue,
    )

