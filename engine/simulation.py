"""Replay a synthetic commune workload through the real use cases on a simulated clock.

Arrivals, staff decisions and citizens' supplements are drawn from one seeded random
generator and fed to `receive_dossier`, `claim_task`, `complete_task` and `fire_all_due`
with the simulated `now`, so the same seed on the same empty database gives the same
numbers. Officers are not a capacity limit: each step's turnaround (from ready to
completed) is drawn against its budget, the way supervisors judge it. Steps that only a
BPMN timer opens are not worked by the simulation.
"""

import heapq
import math
import time as wall_time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from random import Random
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.accounts import create_user
from engine.calendar import HOURS_PER_DAY, WorkingCalendar
from engine.context import EngineContext
from engine.deadlines import WAITING_FOR_CITIZEN
from engine.dossiers import Components, receive_dossier
from engine.errors import DomainError, InvalidInput
from engine.models import Dossier, HumanTask, Procedure, User
from engine.procedures import WORKFLOWS_DIR
from engine.projection import open_tasks
from engine.specs import ParsedModel
from engine.statuses import Channel, DossierStatus, Role
from engine.tasks import claim_task, complete_task
from engine.trial_run import SAMPLES_FILE, SamplesMissing, load_samples
from engine.upkeep import catch_up, upkeep

DEFAULT_VARIANT = "default"
APPROVE, SUPPLEMENT, REFUSE = "approve", "supplement", "refuse"
RECEPTION = "RECEPTION"
# By weekday: Monday brings the weekend's backlog; Fridays and worked Saturdays are quieter.
WEEKDAY_WEIGHTS = (1.25, 1.05, 1.0, 1.0, 0.85, 0.7, 0.5)
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý", "Lê Văn", "Trịnh", "Mai")
MIDDLE_NAMES = ("Văn", "Thị", "Minh", "Hữu", "Ngọc", "Đức", "Thu", "Quang", "Thanh", "Xuân")
GIVEN_NAMES = ("An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hải", "Hoa", "Hùng", "Lan",
               "Linh", "Long", "Mai", "Nam", "Ngọc", "Phương", "Quân", "Sơn", "Tâm", "Thảo",
               "Trang", "Tuấn", "Vân", "Yến")


@dataclass(frozen=True)
class WorkloadProfile:
    """The shape of the simulated commune's work; the defaults mimic Xuân Hòa."""

    # Relative weights by procedure folder; a procedure not listed gets `other_weight`.
    procedure_mix: Mapping[str, float] = field(default_factory=lambda: {
        "certified_copy": 62, "birth_registration": 26, "business_household": 7,
        "first_land_registration": 3, "ending_substitute_care": 2})
    other_weight: float = 1.0
    channel_mix: Mapping[Channel, float] = field(default_factory=lambda: {
        Channel.COUNTER: 0.60, Channel.ONLINE: 0.35, Channel.POST: 0.05})
    # Decisions at a deciding step; a second supplement request is never made (Form 02
    # lists everything missing once).
    supplement_share: float = 0.06
    refusal_share: float = 0.01
    # Of the citizens asked for a supplement (or a payment), those who never come back.
    abandon_share: float = 0.12
    supplement_return_days: tuple[float, float] = (1.0, 8.0)
    # Turnaround as a share of the step's allowance: lognormal, capped below 1 ...
    turnaround_median: float = 0.3
    turnaround_sigma: float = 0.6
    # ... except for this share of steps, finished late.
    late_share: float = 0.004
    late_factor: tuple[float, float] = (1.05, 1.6)
    # Components: reused from earlier dossiers or national databases, else scanned.
    reuse_share: float = 0.35
    not_digitised_share: float = 0.002
    receptionists: int = 2
    officers: int = 3
    expunge_every: int = 500


@dataclass(frozen=True)
class SimulationResult:
    """What a simulation did, counted from the database where it can be."""

    received: int
    completed: int
    in_progress: int
    refused: int
    closures: int
    supplements: int
    supplements_returned: int
    steps_completed: int
    late_steps: int
    errors: int
    period_start: datetime
    period_end: datetime
    elapsed_seconds: float

    def counts(self) -> dict[str, int]:
        """Return the numbers that depend only on the seed and the database, not the machine."""
        return {name: getattr(self, name) for name in (
            "received", "completed", "in_progress", "refused", "closures", "supplements",
            "supplements_returned", "steps_completed", "late_steps", "errors")}


def sample_gaps(samples: dict, model: ParsedModel) -> list[str]:
    """Return the model's steps that samples.json gives no data for."""
    steps = samples.get("steps", {})
    return sorted(step for step in model.steps if not steps.get(step))


class _Work(NamedTuple):
    """A step the simulation will work: ids and names only, never ORM objects."""

    task_id: int
    dossier_id: int
    dossier_code: str
    folder: str
    step: str
    department: str
    role: str | None
    variant: str
    supplemented: bool


@dataclass(frozen=True)
class _Plan:
    """A procedure the simulation can run: its samples and how to tell its steps apart."""

    code: str
    folder: str
    samples: dict
    components: int
    waits_for_citizen: frozenset[str]


def simulate(session_factory: Callable[[], Session], ctx: EngineContext, *, start: date,
             end: date, dossiers: int, seed: int,
             on_progress: Callable[[int, int], None] | None = None,
             profile: WorkloadProfile | None = None,
             workflows_dir: Path = WORKFLOWS_DIR) -> SimulationResult:
    """Receive `dossiers` dossiers over the working days of [start, end] and work them.

    `session_factory` returns the session to work in (Flask-SQLAlchemy's `db.session` will
    do); its identity map is emptied every `profile.expunge_every` events and only ids stay
    in the event queue, so memory does not grow with the number of dossiers. The
    simulation stops at the end of `end`: dossiers still open then stay in progress.
    """
    run = _Simulation(session_factory, ctx, start=start, end=end, dossiers=dossiers,
                      seed=seed, on_progress=on_progress, profile=profile or WorkloadProfile(),
                      workflows_dir=workflows_dir)
    return run.run()


class _Simulation:
    """One run: the event queue, the random generator and the in-memory tallies."""

    def __init__(self, session_factory, ctx: EngineContext, *, start: date, end: date,
                 dossiers: int, seed: int, on_progress, profile: WorkloadProfile,
                 workflows_dir: Path):
        if end < start:
            raise InvalidInput(f"the period ends ({end}) before it starts ({start})",
                               field="end", reason="period_reversed",
                               first_day=start.isoformat(), last_day=end.isoformat())
        if dossiers < 0:
            raise InvalidInput("the number of dossiers cannot be negative", field="dossiers",
                               reason="negative_count")
        self.session = session_factory()
        self.ctx = ctx
        self.profile = profile
        self.total = dossiers
        self.rng = Random(seed)
        self.on_progress = on_progress
        self.calendar: WorkingCalendar = ctx.calendar(self.session)
        zone = self.calendar.zone
        self.start_at = datetime.combine(start, time(0), zone)
        self.end_at = datetime.combine(end + timedelta(days=1), time(0), zone)
        self.days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        self.days = [day for day in self.days if self.calendar.is_working_day(day)]
        if dossiers and not self.days:
            raise InvalidInput(f"no working day between {start} and {end}", field="start",
                               reason="no_working_day", first_day=start.isoformat(),
                               last_day=end.isoformat())
        self.models: dict[str, ParsedModel] = {}
        self.plan_of: dict[str, _Plan] = {}
        self.plans = self._plans(workflows_dir)
        self.queue: list[tuple[datetime, int, str, Any]] = []
        self.seq = 0
        self.events = 0
        self.received = self.supplements = self.returned = self.steps_done = self.errors = 0
        self.held: dict[int, int] = {}

    # ---- setup

    def _plans(self, workflows_dir: Path) -> list[tuple[_Plan, float]]:
        plans = []
        procedures = self.session.scalars(select(Procedure).order_by(Procedure.code)).all()
        for procedure in procedures:
            try:
                samples = load_samples(workflows_dir, procedure.folder)
            except SamplesMissing:
                continue  # a procedure without sample data is not simulated
            model = self.ctx.model(self.session, procedure.spec_hash)
            gaps = sample_gaps(samples, model)
            if gaps:
                raise InvalidInput(f"{procedure.folder}/{SAMPLES_FILE} has no data for steps "
                                   f"{gaps}; add a variant for each", field="samples",
                                   reason="sample_gaps", folder=procedure.folder, steps=gaps)
            weight = self.profile.procedure_mix.get(procedure.folder, self.profile.other_weight)
            waits = frozenset(step.bpmn_id for step in model.steps.values()
                              if step.status in WAITING_FOR_CITIZEN)
            plan = _Plan(code=procedure.code, folder=procedure.folder, samples=samples,
                         components=len(procedure.meta.get("required_documents", [])),
                         waits_for_citizen=waits)
            if weight > 0:
                plans.append((plan, weight))
                self.models[procedure.folder] = model
                self.plan_of[procedure.folder] = plan
        if not plans and self.total:
            raise InvalidInput("no published procedure has a samples.json to simulate with; "
                               "run `motcua init` and add workflows/<folder>/samples.json",
                               field="procedures", reason="nothing_to_simulate")
        return plans

    def _ensure_staff(self) -> None:
        """Create the sim.* users the procedures' lanes and roles need, unless they exist."""
        needed: dict[tuple[str, str], int] = {(RECEPTION, Role.RECEPTIONIST.value):
                                              self.profile.receptionists}
        for model in self.models.values():
            for step in model.steps.values():
                if step.role:
                    needed.setdefault((step.lane, step.role), 1)
                elif step.lane != RECEPTION:  # reception's own steps go to its receptionists
                    needed.setdefault((step.lane, Role.OFFICER.value), self.profile.officers)
        wanted = [(f"sim.{dept.lower().replace('_', '-')}.{role}{i}", role, dept)
                  for (dept, role), count in sorted(needed.items())
                  for i in range(1, count + 1)]
        existing = set(self.session.scalars(select(User.username)
                                            .where(User.username.like("sim.%"))))
        for username, role, department in wanted:
            if username not in existing:
                create_user(self.session, username=username, role=role,
                            department_code=department, full_name=_person(Random(username)),
                            actor="simulation", now=self.start_at.astimezone(UTC))
        rows = self.session.execute(
            select(User.id, User.username, User.role, User.department_code)
            .where(User.username.like("sim.%")).order_by(User.username)).all()
        self.staff = {(row.department_code, row.role): [] for row in rows}
        for row in rows:
            self.staff[(row.department_code, row.role)].append(row.id)
        self.receptionists = self.staff[(RECEPTION, Role.RECEPTIONIST.value)]

    # ---- the event loop

    def run(self) -> SimulationResult:
        """Run every event before the end of the period, then count the outcomes."""
        began = wall_time.perf_counter()
        # Only the dossiers this run receives are counted, even on a database that has others.
        self.ids_above = self.session.scalar(select(func.max(Dossier.id))) or 0
        self._ensure_staff()
        self._plan_days()
        first_tick = self.calendar.add_working_hours(self.start_at, 1)
        self._push(first_tick, "tick", None)
        handlers = {"day": self._on_day, "arrive": self._on_arrive, "claim": self._on_claim,
                    "complete": self._on_complete, "tick": self._on_tick}
        while self.queue and self.queue[0][0] < self.end_at:
            now, _, kind, payload = heapq.heappop(self.queue)
            handlers[kind](now, payload)
            self.events += 1
            if self.events % self.profile.expunge_every == 0:
                self.session.expunge_all()
        self.queue.clear()
        # Leave every step rolled up and every event sealed, as a caught-up worker would.
        catch_up(self.session, zone=self.calendar.zone)
        self.session.expunge_all()
        return self._result(wall_time.perf_counter() - began)

    def _push(self, at: datetime, kind: str, payload) -> None:
        # Use cases get UTC, like the API's clock gives them.
        self.seq += 1
        heapq.heappush(self.queue, (at.astimezone(UTC), self.seq, kind, payload))

    def _plan_days(self) -> None:
        """Spread the dossiers over the working days; each day's arrivals are drawn on the day."""
        if not self.total:
            return
        weights = [WEEKDAY_WEIGHTS[day.weekday()] for day in self.days]
        per_day = [0] * len(self.days)
        for index in self.rng.choices(range(len(self.days)), weights=weights, k=self.total):
            per_day[index] += 1
        for day, count in zip(self.days, per_day, strict=True):
            if count:
                self._push(datetime.combine(day, time(0), self.calendar.zone), "day",
                           (day, count))

    def _on_day(self, _now: datetime, payload: tuple[date, int]) -> None:
        day, count = payload
        slots = _hour_slots(self.calendar, day)
        cumulative, total = [], 0.0
        for _, _, weight in slots:
            total += weight
            cumulative.append(total)
        folders = [plan for plan, _ in self.plans]
        mix = [weight for _, weight in self.plans]
        for slot in self.rng.choices(range(len(slots)), cum_weights=cumulative, k=count):
            begin, length, _ = slots[slot]
            at = begin + timedelta(hours=length * self.rng.random())
            plan = self.rng.choices(folders, weights=mix)[0]
            self._push(at, "arrive", plan.folder)

    def _on_arrive(self, now: datetime, folder: str) -> None:
        plan = self.plan_of[folder]
        channels = list(self.profile.channel_mix)
        channel = self.rng.choices(channels, weights=[self.profile.channel_mix[c]
                                                      for c in channels])[0]
        user = self.session.get(User, self.rng.choice(self.receptionists))
        try:
            dossier, _ = receive_dossier(
                self.session, self.ctx, procedure_code=plan.code,
                applicant=_applicant(self.rng), channel=channel,
                intake=plan.samples["intake"], user=user, now=now,
                components=self._components(plan.components))
        except DomainError:
            self._failed()
            return
        self.received += 1
        self._schedule_open_steps(now, dossier.id, dossier.code, folder, supplemented=False)
        if self.on_progress is not None:
            self.on_progress(self.received, self.total)

    def _on_claim(self, now: datetime, payload: tuple[_Work, datetime]) -> None:
        work, complete_at = payload
        user_id = self._pick(work.department, work.role)
        user = self.session.get(User, user_id)
        try:
            claim_task(self.session, self.ctx, task_id=work.task_id, user=user, now=now)
        except DomainError:
            self._failed()
            return
        self.held[user_id] = self.held.get(user_id, 0) + 1
        self._push(max(complete_at, now), "complete", (work, user_id))

    def _on_complete(self, now: datetime, payload: tuple[_Work, int]) -> None:
        work, user_id = payload
        self.held[user_id] -= 1
        plan = self.plan_of[work.folder]
        data = plan.samples["steps"][work.step][work.variant]
        user = self.session.get(User, user_id)
        try:
            complete_task(self.session, self.ctx, task_id=work.task_id, data=data, user=user,
                          now=now)
        except DomainError:
            self._failed()
            return
        self.steps_done += 1
        if work.variant == SUPPLEMENT:
            self.supplements += 1
        if work.step in plan.waits_for_citizen:
            self.returned += 1
        self._schedule_open_steps(now, work.dossier_id, work.dossier_code, work.folder,
                                  supplemented=work.supplemented or work.variant == SUPPLEMENT)

    def _on_tick(self, now: datetime, _payload) -> None:
        # What `motcua worker` does: fire due work, roll up steps, seal the audit trail.
        upkeep(self.session, self.ctx, now=now, zone=self.calendar.zone)
        self._push(self.calendar.add_working_hours(now, 1), "tick", None)

    def _failed(self) -> None:
        # A use case refused what the simulation asked: counted, so a test can insist on none.
        self.session.rollback()
        self.errors += 1

    # ---- what staff and citizens do

    def _schedule_open_steps(self, now: datetime, dossier_id: int, code: str, folder: str, *,
                             supplemented: bool) -> None:
        """Plan the work on the steps the last action opened."""
        dossier = self.session.get(Dossier, dossier_id)
        # Looked up by the dossier's id (indexed), in inbox order: most urgent first.
        steps = sorted(open_tasks(self.session, dossier), key=lambda task: (task.due_at, task.id))
        opened = [(task.id, task.step, task.department_code, task.required_role,
                   task.budget_hours, task.counted)
                  for task in steps if task.created_at == now]
        if not opened:
            return
        appointment_at, paused_at, processed_at = (
            dossier.appointment_at, dossier.clock_paused_at, dossier.processed_at)
        remaining = None
        if paused_at is None and processed_at is None:
            remaining = self.calendar.working_hours_between(now, appointment_at)
        plan = self.plan_of[folder]
        for task_id, step, department, role, budget, counted in opened:
            variant = self._decide(plan.samples["steps"][step], supplemented)
            work = _Work(task_id, dossier_id, code, folder, step, department, role, variant,
                         supplemented)
            if step in plan.waits_for_citizen:
                if self.rng.random() < self.profile.abandon_share:
                    continue  # the citizen never returns: the 15-day closure fires
                low, high = self.profile.supplement_return_days
                back = self.calendar.add_working_hours(
                    now, self.rng.uniform(low, high) * HOURS_PER_DAY)
                self._push(back, "claim", (work, self.calendar.add_working_hours(back, 0.25)))
                continue
            allowance = budget
            if counted and remaining is not None:
                allowance = max(min(budget, remaining), 0.25)
            hours = allowance * self._turnaround_factor()
            claim_at = self.calendar.add_working_hours(now, hours * self.rng.uniform(0.05, 0.5))
            done_at = self.calendar.add_working_hours(now, hours)
            self._push(claim_at, "claim", (work, done_at))

    def _decide(self, variants: dict, supplemented: bool) -> str:
        if DEFAULT_VARIANT in variants:
            return DEFAULT_VARIANT
        draw = self.rng.random()
        if REFUSE in variants and draw < self.profile.refusal_share:
            return REFUSE
        if (SUPPLEMENT in variants and not supplemented
                and draw < self.profile.refusal_share + self.profile.supplement_share):
            return SUPPLEMENT
        return APPROVE if APPROVE in variants else next(iter(variants))

    def _turnaround_factor(self) -> float:
        if self.rng.random() < self.profile.late_share:
            return self.rng.uniform(*self.profile.late_factor)
        factor = self.rng.lognormvariate(math.log(self.profile.turnaround_median),
                                         self.profile.turnaround_sigma)
        return min(factor, 0.95)

    def _pick(self, department: str, role: str | None) -> int:
        """Return the least busy member who may work the step; ties drawn at random."""
        if role:
            candidates = self.staff.get((department, role), [])
        else:
            candidates = (self.staff.get((department, Role.OFFICER.value))
                          or self.staff.get((department, Role.RECEPTIONIST.value))
                          or self.staff.get((department, Role.HEAD.value), []))
        if not candidates:
            raise InvalidInput(f"no simulation user works in {department} as {role or 'officer'}",
                               field="staff", reason="no_simulation_staff",
                               department=department, role=role or Role.OFFICER.value)
        least = min(self.held.get(user_id, 0) for user_id in candidates)
        return self.rng.choice([u for u in candidates if self.held.get(u, 0) == least])

    def _components(self, total: int) -> Components:
        reused = digitised = 0
        for _ in range(total):
            if self.rng.random() < self.profile.reuse_share:
                reused += 1
            elif self.rng.random() >= self.profile.not_digitised_share:
                digitised += 1
        return Components(total=total, digitised=digitised, reused=reused)

    # ---- the tally

    def _result(self, elapsed: float) -> SimulationResult:
        ours = (Dossier.id > self.ids_above, Dossier.received_by.in_(self.receptionists))
        by_status = dict(self.session.execute(
            select(Dossier.status, func.count()).where(*ours).group_by(Dossier.status)).all())
        late_steps = self.session.scalar(
            select(func.count()).select_from(HumanTask).join(Dossier,
                                                             Dossier.id == HumanTask.dossier_id)
            .where(*ours, HumanTask.outcome == "late"))
        self.session.commit()
        received = sum(by_status.values())
        completed = sum(by_status.get(s, 0) for s in (DossierStatus.PROCESSED,
                                                     DossierStatus.RESULT_RETURNED))
        refused = by_status.get(DossierStatus.NOT_ACCEPTED, 0)
        closures = by_status.get(DossierStatus.STOPPED, 0)
        return SimulationResult(
            received=received, completed=completed, refused=refused, closures=closures,
            in_progress=received - completed - refused - closures,
            supplements=self.supplements, supplements_returned=self.returned,
            steps_completed=self.steps_done, late_steps=late_steps, errors=self.errors,
            period_start=self.start_at, period_end=self.end_at, elapsed_seconds=elapsed)


def _hour_slots(calendar: WorkingCalendar, day: date) -> list[tuple[datetime, float, float]]:
    """Return the day's office hours cut into hourly slots, each with its arrival weight.

    More citizens come early: the weight falls from 1.6 at opening to about 0.6 in the last
    hour.
    """
    spans = [(datetime.combine(day, opens, calendar.zone),
              datetime.combine(day, closes, calendar.zone))
             for opens, closes in calendar.office_hours]
    first, last = spans[0][0], spans[-1][1]
    length_of_day = (last - first) / timedelta(hours=1)
    slots = []
    for begin, stop in spans:
        while begin < stop:
            hours = min(1.0, (stop - begin) / timedelta(hours=1))
            position = (begin - first) / timedelta(hours=1) / length_of_day
            slots.append((begin, hours, hours * (1.6 - 1.1 * position)))
            begin += timedelta(hours=hours)
    return slots


def _person(rng: Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_NAMES)} {rng.choice(GIVEN_NAMES)}"


def _applicant(rng: Random) -> dict:
    return {"full_name": _person(rng),
            "id_number": f"038{rng.randrange(10**9):09d}",
            "phone": f"09{rng.randrange(10**8):08d}",
            "address": f"Thôn {rng.randint(1, 12)}, xã Xuân Hòa, tỉnh Thanh Hóa"}
