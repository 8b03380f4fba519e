"""One dossier's change held in memory: the trial run's unit of work, and the unit tests' fake.

The dossier and its step rows are transient objects never added to a session, so the
deadline rules run on the same objects as for real dossiers and a trial's verdict is the
one a dossier would get. Nothing is written anywhere: `commit` only marks the unit committed.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from engine import audit
from engine.calendar import WorkingCalendar
from engine.context import EngineContext
from engine.deadlines import StatutoryDeadline, open_step, set_appointment, update_clock
from engine.models import Dossier, HumanTask
from engine.runtime import OpenStep, Progress
from engine.specs import ParsedModel
from engine.statuses import DossierStatus
from engine.timing import EngineClock, engine_clock


class InMemoryUnitOfWork:
    """A dossier received at `now` with its live workflow, its open step rows and audit events.

    `now` is the unit's clock; a caller simulating time moves it forward between changes.
    """

    def __init__(self, ctx: EngineContext, *, calendar: WorkingCalendar,
                 deadline: StatutoryDeadline, now: datetime, code: str = "TRIAL"):
        self.ctx, self.calendar, self.deadline, self.now = ctx, calendar, deadline, now
        self.dossier = Dossier(code=code, status=DossierStatus.ACCEPTED)
        set_appointment(self.dossier, deadline, calendar, ctx.rules, counted_from=now)
        self.open_rows: dict[str, HumanTask] = {}
        self.changes: list[audit.Change] = []
        self.committed = False
        self._model: ParsedModel | None = None
        self._workflow = None

    def clock(self):
        """Bind the unit's `now` and calendar for the timer expressions the engine evaluates."""
        return engine_clock(EngineClock(self.now, self.calendar, self.dossier.appointment_at))

    def start(self, model: ParsedModel, data: dict) -> Progress:
        """Start the dossier's workflow and run it up to its first human steps."""
        self._model = model
        with self.clock():
            self._workflow = self.ctx.runtime.start(model, data)
        return self.ctx.runtime.progress(model, self._workflow)

    def advance(self, act: Callable[[Any], Any]) -> tuple[Progress, Any]:
        """`act` on the live workflow on the unit's clock; return the progress and its result."""
        with self.clock():
            result = act(self._workflow)
        return self.ctx.runtime.progress(self._model, self._workflow), result

    def project(self, progress: Progress, *, actor: str) -> list[audit.Change]:
        """Open rows for new steps, drop those no longer open, move the statutory clock.

        Return (and record) the statutory clock's events.
        """
        open_ids = {s.workflow_task_id for s in progress.open_steps}
        self.open_rows = {task_id: row for task_id, row in self.open_rows.items()
                          if task_id in open_ids}
        for step in progress.open_steps:
            if step.workflow_task_id not in self.open_rows:
                self.open_rows[step.workflow_task_id] = self._row(step)
        self.dossier.status = progress.status
        changes = update_clock(self.dossier, deadline=lambda: self.deadline,
                               open_tasks=list(self.open_rows.values()),
                               finished=progress.finished, calendar=self.calendar,
                               rules=self.ctx.rules, actor=actor, now=self.now)
        self.record(*changes)
        return changes

    def _row(self, step: OpenStep) -> HumanTask:
        row = HumanTask(workflow_task_id=step.workflow_task_id, step=step.step.bpmn_id,
                        step_name=step.step.name, department_code=step.step.lane,
                        budget_hours=step.step.budget_hours, counted=step.step.counted,
                        created_at=self.now)
        open_step(row, self.calendar, self.ctx.rules, self.now)
        return row

    def record(self, *changes: audit.Change) -> None:
        """Keep audit events with the unit."""
        self.changes += changes

    def commit(self) -> None:
        """Mark the unit committed; nothing is stored."""
        self.committed = True
