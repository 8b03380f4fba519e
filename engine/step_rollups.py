"""Completed steps added up per local day and month, so step timings read thousands of rows.

The worker moves completed steps into `step_timing_rollups` in batches: in one
transaction it adds a batch to its day and month rows and marks the steps `in_rollup`.
A step is therefore counted either by a rollup or, until the worker reaches it, from
`human_tasks` itself, never both and never neither; `tallies` reads the two in one
statement, so one snapshot. Completed steps are never changed afterwards, so a rollup
stays true once written.

Histograms hold hundredths of an hour: medians and percentiles read from them are within
0.005 h (18 s) of the exact ones; counts, sums and means are exact.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Integer,
    case,
    cast,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from engine.deadlines import Verdict
from engine.models import Dossier, HumanTask, StepTimingRollup
from engine.sql import insert_for
from engine.statuses import TaskState

# (procedure_code, step, department_code, counted): what the report groups by.
StepKey = tuple[str, str, str, bool]
DAY, MONTH = "day", "month"
BATCH = 5000
KEYS_PER_STATEMENT = 1000
CENTI = 100


def _centi(hours: float) -> int:
    return round(hours * CENTI)


@dataclass
class StepTally:
    """Completed steps of one procedure step added up: counts, sums and histograms."""

    step_name: str = ""
    completed: int = 0
    waited_count: int = 0
    waited_sum: float = 0.0
    worked_count: int = 0
    worked_sum: float = 0.0
    budget_sum: float = 0.0
    late: int = 0
    waited: Counter = field(default_factory=Counter)
    worked: Counter = field(default_factory=Counter)

    def add_step(self, *, step_name: str, waited: float | None, worked: float | None,
                 budget: float, late: bool) -> None:
        """Count one completed step."""
        self.step_name = max(self.step_name, step_name)
        self.completed += 1
        self.budget_sum += budget
        self.late += int(late)
        if waited is not None:
            self.waited_count += 1
            self.waited_sum += waited
            self.waited[_centi(waited)] += 1
        if worked is not None:
            self.worked_count += 1
            self.worked_sum += worked
            self.worked[_centi(worked)] += 1

    def add_tally(self, other: "StepTally") -> None:
        """Count every step another tally counted."""
        self.step_name = max(self.step_name, other.step_name)
        self.completed += other.completed
        self.waited_count += other.waited_count
        self.waited_sum += other.waited_sum
        self.worked_count += other.worked_count
        self.worked_sum += other.worked_sum
        self.budget_sum += other.budget_sum
        self.late += other.late
        self.waited.update(other.waited)
        self.worked.update(other.worked)

    @classmethod
    def of_rollup(cls, row) -> "StepTally":
        """Return the tally a rollup row (or a row shaped like one) holds."""
        return cls(step_name=row.step_name, completed=row.completed,
                   waited_count=row.waited_count, waited_sum=row.waited_sum,
                   worked_count=row.worked_count, worked_sum=row.worked_sum,
                   budget_sum=row.budget_sum, late=row.late,
                   waited=_histogram(row.waited_histogram),
                   worked=_histogram(row.worked_histogram))

    def rollup_values(self) -> dict:
        """Return the rollup row's columns that hold this tally."""
        return {"step_name": self.step_name, "completed": self.completed,
                "waited_count": self.waited_count, "waited_sum": self.waited_sum,
                "worked_count": self.worked_count, "worked_sum": self.worked_sum,
                "budget_sum": self.budget_sum, "late": self.late,
                "waited_histogram": {str(k): v for k, v in sorted(self.waited.items())},
                "worked_histogram": {str(k): v for k, v in sorted(self.worked.items())}}


def _histogram(stored: Mapping[str, int] | None) -> Counter:
    return Counter({int(k): v for k, v in (stored or {}).items()})


def histogram_percentile(histogram: Mapping[int, int], fraction: float) -> float | None:
    """Return the interpolated percentile, in hours, as percentile_cont over the values."""
    total = sum(histogram.values())
    if total == 0:
        return None
    position = fraction * (total - 1)
    lower = int(position)
    upper = min(lower + 1, total - 1)
    low = high = None
    seen = 0
    for value, count in sorted(histogram.items()):
        seen += count
        if low is None and lower < seen:
            low = value
        if upper < seen:
            high = value
            break
    return (low + (high - low) * (position - lower)) / CENTI


# --- the worker's side -------------------------------------------------------------------

_COMPLETED_STEP = (HumanTask.state == TaskState.COMPLETED, ~HumanTask.in_rollup)


def roll_up_completed_steps(session: Session, *, zone: ZoneInfo, batch: int = BATCH,
                            max_batches: int | None = None) -> tuple[int, bool]:
    """Move completed steps into the day and month rollups of `zone`, a batch per commit.

    Returns how many steps were rolled up and whether more wait. Steps another worker is
    rolling up are skipped, not waited for.
    """
    rolled = batches = 0
    while max_batches is None or batches < max_batches:
        rows = session.execute(
            select(HumanTask.id, HumanTask.completed_at, Dossier.procedure_code,
                   HumanTask.step, HumanTask.department_code, HumanTask.counted,
                   HumanTask.step_name, HumanTask.waited_hours, HumanTask.worked_hours,
                   HumanTask.budget_hours, HumanTask.outcome)
            .join(Dossier, Dossier.id == HumanTask.dossier_id)
            # In completion order: a batch then touches the rollup rows of a few days only.
            .where(*_COMPLETED_STEP).order_by(HumanTask.completed_at).limit(batch)
            .with_for_update(of=HumanTask, skip_locked=True)).all()
        if not rows:
            session.rollback()
            return rolled, False
        added: dict[tuple, StepTally] = {}
        for row in rows:
            day = row.completed_at.astimezone(zone).date()
            key = (row.procedure_code, row.step, row.department_code, row.counted)
            for span, starts_on in ((DAY, day), (MONTH, day.replace(day=1))):
                added.setdefault((span, starts_on, *key), StepTally()).add_step(
                    step_name=row.step_name, waited=row.waited_hours, worked=row.worked_hours,
                    budget=row.budget_hours, late=row.outcome == Verdict.LATE.value)
        _add_to_rollups(session, added)
        session.execute(update(HumanTask).where(HumanTask.id.in_([row.id for row in rows]))
                        .values(in_rollup=True).execution_options(synchronize_session=False))
        session.commit()
        rolled += len(rows)
        batches += 1
    more = session.scalar(select(HumanTask.id).where(*_COMPLETED_STEP).limit(1)) is not None
    session.rollback()
    return rolled, more


_ROLLUP_KEY = (StepTimingRollup.span, StepTimingRollup.starts_on,
               StepTimingRollup.procedure_code, StepTimingRollup.step,
               StepTimingRollup.department_code, StepTimingRollup.counted)


def _add_to_rollups(session: Session, added: dict[tuple, StepTally]) -> None:
    """Add each tally to its rollup row, creating the rows that do not exist yet."""
    keys = sorted(added)
    names = [column.key for column in _ROLLUP_KEY]
    # A statement carries at most 65,535 parameters (PostgreSQL's protocol).
    chunks = [keys[n:n + KEYS_PER_STATEMENT] for n in range(0, len(keys), KEYS_PER_STATEMENT)]
    for chunk in chunks:
        session.execute(insert_for(session, StepTimingRollup.__table__)
                        .values([{**dict(zip(names, key, strict=True)),
                                  **StepTally(step_name=added[key].step_name).rollup_values()}
                                 for key in chunk])
                        .on_conflict_do_nothing())
    # Lock in key order, so two workers adding to the same rows cannot deadlock.
    stored = [rollup for chunk in chunks for rollup in session.scalars(
        select(StepTimingRollup).where(tuple_(*_ROLLUP_KEY).in_(chunk))
        .order_by(*_ROLLUP_KEY).with_for_update())]
    for rollup in stored:
        key = tuple(getattr(rollup, name) for name in names)
        tally = StepTally.of_rollup(rollup)
        tally.add_tally(added[key])
        for column, value in tally.rollup_values().items():
            setattr(rollup, column, value)
    session.flush()


# --- the report's side -------------------------------------------------------------------

def spans_covering(first_day: date, last_day: date) -> tuple[list[date], list[date]]:
    """Return the whole months within [first_day, last_day] and the days outside them."""
    months, days = [], []
    day = first_day
    while day <= last_day:
        month_end = _next_month(day) - timedelta(days=1)
        if day.day == 1 and month_end <= last_day:
            months.append(day)
            day = month_end + timedelta(days=1)
        else:
            days.append(day)
            day += timedelta(days=1)
    return months, days


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def tallies(session: Session, *, first_day: date, last_day: date, period: tuple,
            procedure_code: str | None = None) -> dict[StepKey, StepTally]:
    """Return the tally of each procedure step over steps completed in the local days.

    `period` is [start, end) of those days in the rollups' zone, for the steps the worker
    has not rolled up yet.
    """
    months, days = spans_covering(first_day, last_day)
    rollups = (select(StepTimingRollup.procedure_code, StepTimingRollup.step,
                      StepTimingRollup.department_code, StepTimingRollup.counted,
                      StepTimingRollup.step_name, StepTimingRollup.completed,
                      StepTimingRollup.waited_count, StepTimingRollup.waited_sum,
                      StepTimingRollup.worked_count, StepTimingRollup.worked_sum,
                      StepTimingRollup.budget_sum, StepTimingRollup.late,
                      StepTimingRollup.waited_histogram, StepTimingRollup.worked_histogram)
               .where(or_(_span_in(MONTH, months), _span_in(DAY, days))))
    waiting = (select(Dossier.procedure_code, HumanTask.step, HumanTask.department_code,
                      HumanTask.counted, HumanTask.step_name, literal(1, Integer),
                      _one_if(HumanTask.waited_hours.is_not(None)), HumanTask.waited_hours,
                      _one_if(HumanTask.worked_hours.is_not(None)), HumanTask.worked_hours,
                      HumanTask.budget_hours,
                      _one_if(HumanTask.outcome == Verdict.LATE.value),
                      cast(null(), JSON), cast(null(), JSON))
               .join(Dossier, Dossier.id == HumanTask.dossier_id)
               .where(*_COMPLETED_STEP, HumanTask.completed_at >= period[0],
                      HumanTask.completed_at < period[1]))
    if procedure_code is not None:
        rollups = rollups.where(StepTimingRollup.procedure_code == procedure_code)
        waiting = waiting.where(Dossier.procedure_code == procedure_code)
    found: dict[StepKey, StepTally] = {}
    for row in session.execute(union_all(rollups, waiting)):
        key = (row.procedure_code, row.step, row.department_code, bool(row.counted))
        tally = found.setdefault(key, StepTally())
        if row.waited_histogram is None:  # a step not rolled up yet
            tally.add_step(step_name=row.step_name,
                           waited=row.waited_sum if row.waited_count else None,
                           worked=row.worked_sum if row.worked_count else None,
                           budget=row.budget_sum, late=bool(row.late))
        else:
            tally.add_tally(StepTally.of_rollup(row))
    return found


def _span_in(span: str, starts: list[date]):
    return (StepTimingRollup.span == span) & StepTimingRollup.starts_on.in_(starts)


def _one_if(condition):
    return case((condition, 1), else_=0)

