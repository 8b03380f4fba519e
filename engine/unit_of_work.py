"""One change of one dossier, one transaction: the only place a dossier change commits.

A use case opens a `DossierUnitOfWork`, locks (or adds) its dossier, runs the workflow on
the use case's clock, projects the progress onto the steps and deadlines, records its audit
events, and commits. Leaving the `with` block without committing rolls everything back.
An engine failure discards the unit and commits the incident alone, so the dossier keeps
its last committed state.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import audit, clock_history, incidents
from engine.calendar import WorkingCalendar
from engine.context import EngineContext
from engine.errors import ConcurrentUpdate, EngineIncident
from engine.models import Dossier, HumanTask, Incident
from engine.projection import apply_progress, open_tasks
from engine.runtime import Progress, StepNotReady
from engine.specs import ParsedModel
from engine.timing import EngineClock, engine_clock

# What the engine is asked to do with a dossier's workflow; its result is handed back.
Act = Callable[[Any], Any]


class DossierUnitOfWork:
    """The session, the dossier's lock, its workflow on the engine clock, its audit, the commit."""

    def __init__(self, session: Session, ctx: EngineContext, *, now: datetime):
        self.session, self.ctx, self.now = session, ctx, now
        self.dossier: Dossier | None = None
        self._changes: list[audit.Change] = []
        # Known before a rollback expires the dossier: an incident still names it.
        self._dossier_id: int | None = None
        self._dossier_code: str | None = None
        # The dossier's clock when the unit took it, to record a change at commit; None
        # after a rollback, which leaves nothing of the unit's to record.
        self._clock_before: clock_history.Clock | None = None

    def __enter__(self) -> "DossierUnitOfWork":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        self.rollback()
        if isinstance(error, StaleDataError):
            raise ConcurrentUpdate("the dossier changed meanwhile; reload it and retry",
                                   dossier=self._dossier_code) from None

    @property
    def calendar(self) -> WorkingCalendar:
        """Return the working calendar in force."""
        return self.ctx.calendar(self.session)

    def lock(self, *where: ColumnElement[bool]) -> Dossier:
        """Lock the one dossier matching `where` until the unit ends, and read it afresh.

        SELECT … FOR UPDATE on PostgreSQL; SQLite has no row locks and writes one
        transaction at a time, so there the statement is a plain SELECT.
        """
        return self.adopt(self.session.scalars(
            select(Dossier).where(*where).with_for_update()
            .execution_options(populate_existing=True)).one())

    def lock_first_free(self, query: Select) -> Dossier | None:
        """Lock the first dossier of `query` that no other transaction holds (SKIP LOCKED)."""
        dossier = self.session.scalars(query.limit(1).with_for_update(skip_locked=True)).first()
        return self.adopt(dossier) if dossier is not None else None

    def add(self, dossier: Dossier) -> None:
        """Add a new dossier; the unit's changes are now its changes."""
        self.session.add(dossier)
        self.adopt(dossier)
        self._clock_before = clock_history.NO_CLOCK

    def adopt(self, dossier: Dossier) -> Dossier:
        """Work on a dossier without locking it: to read or try things, never to commit."""
        self.dossier = dossier
        self._dossier_id, self._dossier_code = dossier.id, dossier.code
        self._clock_before = clock_history.clock_of(dossier)
        return dossier

    def open_rows(self, *, reload: bool = False) -> list[HumanTask]:
        """Return the dossier's open step rows (`reload` right after locking, see open_tasks)."""
        return open_tasks(self.session, self.dossier, reload=reload)

    def model(self, spec_hash: str | None = None) -> ParsedModel:
        """Return the parsed model the dossier runs on, or the one with this hash."""
        return self.ctx.model(self.session, spec_hash or self.dossier.spec_hash)

    @contextmanager
    def clock(self, appointment_at: datetime | None) -> Iterator[None]:
        """Bind the unit's `now` and calendar for the timer expressions the engine evaluates."""
        with engine_clock(EngineClock(self.now, self.calendar, appointment_at)):
            yield

    def start(self, dossier: Dossier, model: ParsedModel, data: dict, *,
              actor: str) -> Progress:
        """Start the workflow of a dossier about to be received and keep its state on it."""
        try:
            with self.clock(dossier.appointment_at):
                workflow = self.ctx.runtime.start(model, data)
            return self.keep(model, workflow, dossier)
        except Exception as err:  # noqa: BLE001 - any engine failure becomes an incident
            raise self.fail(step="start", error=err, actor=actor) from err

    def advance(self, act: Act, *, step: str, actor: str,
                model: ParsedModel | None = None) -> tuple[Progress, Any]:
        """Restore the dossier's workflow, `act` on it, and keep the new state on the dossier.

        Return the progress and what `act` returned. StepNotReady is the caller's mistake and
        passes through; any other failure discards the unit and raises the recorded incident.
        """
        model = model or self.model()
        try:
            return self._advance(act, model)
        except StepNotReady:
            raise
        except Exception as err:  # noqa: BLE001 - any engine failure becomes an incident
            raise self.fail(step=step, error=err, actor=actor) from err

    def advance_or_record(self, act: Act, *, step: str,
                          actor: str) -> tuple[Progress, Any] | None:
        """Advance as `advance` does; on failure record the incident in this unit and go on."""
        model = self.model()
        try:
            return self._advance(act, model)
        except Exception as err:  # noqa: BLE001 - the failure is recorded, the unit goes on
            self.record_incident(step=step, error=err, actor=actor)
            return None

    def _advance(self, act: Act, model: ParsedModel) -> tuple[Progress, Any]:
        workflow = self.restore(model)
        with self.clock(self.dossier.appointment_at):
            result = act(workflow)
        return self.keep(model, workflow), result

    def restore(self, model: ParsedModel | None = None):
        """Return the dossier's workflow as last committed, restored on the unit's clock."""
        with self.clock(self.dossier.appointment_at):
            return self.ctx.runtime.restore(model or self.model(), self.dossier.workflow_state)

    def keep(self, model: ParsedModel, workflow, dossier: Dossier | None = None) -> Progress:
        """Keep the workflow's state on the (unit's) dossier and return what it waits for."""
        progress = self.ctx.runtime.progress(model, workflow)
        (dossier or self.dossier).workflow_state = self.ctx.runtime.dump(workflow)
        return progress

    def project(self, progress: Progress, *, open_rows: list[HumanTask], actor: str,
                by: int | None) -> list[HumanTask]:
        """Project the workflow's progress onto the dossier's steps, status and deadlines.

        Return the dossier's step rows open after it, oldest first: what the dossier waits
        on once the unit commits, known without reading them back.
        """
        changes, now_open = apply_progress(self.session, self.ctx, self.dossier, progress,
                                           open_rows=open_rows, actor=actor, by=by,
                                           now=self.now)
        self.record(*changes)
        return now_open

    def record(self, *changes: audit.Change) -> None:
        """Keep audit events to append when the unit commits."""
        self._changes += changes

    def record_incident(self, *, step: str, error: Exception, actor: str) -> Incident:
        """Record an engine failure on the unit's dossier within the unit."""
        row = incidents.incident(dossier_id=self._dossier_id, step=step, error=error,
                                 now=self.now)
        self.session.add(row)
        self.session.flush()
        self.record(incidents.recorded(row, dossier_code=self._dossier_code, actor=actor))
        return row

    def fail(self, *, step: str, error: Exception, actor: str) -> EngineIncident:
        """Discard the unit, commit the incident alone, and return the error to raise.

        The in-memory workflow that raised is never saved: the dossier stays at its last
        committed state, which also heals SpiffWorkflow's lost-timer bugs.
        """
        self.rollback()
        row = self.record_incident(step=step, error=error, actor=actor)
        refusal = incidents.refusal(row)
        self.commit()
        return refusal

    def commit(self) -> None:
        """Record the dossier's clock if it changed, append the audit events and commit."""
        if self.dossier is not None and self._clock_before is not None:
            clock_history.record_change(self.session, self.dossier, since=self._clock_before,
                                        at=self.now)
        audit.append(self.session, self._changes, now=self.now)
        self._changes = []
        self.session.commit()

    def rollback(self) -> None:
        """Discard everything the unit changed."""
        self._changes = []
        self._clock_before = None
        self.session.rollback()
