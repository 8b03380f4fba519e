"""Wire the due-work scheduler to the application: who fires, on which session.

Each pass also seals the audit events written since the last one and moves completed
steps into the step-timing rollups, a bounded number of batches at a time so timers never
wait long behind a large backlog (after an upgrade). Passes come at least every
SEAL_EVERY, so an event waits for its seal only that long.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask

from api.extensions import db
from engine.due import earliest_due
from engine.scheduler import DueWorker
from engine.upkeep import upkeep

BATCHES_PER_PASS = 20
SEAL_EVERY = timedelta(seconds=1)


def due_pass(app: Flask) -> Callable[[datetime], datetime | None]:
    """Return one pass of due work in its own app context: it answers when to run again."""
    ctx = app.extensions["motcua"]

    def fire(now: datetime) -> datetime | None:
        with app.app_context():
            try:
                done = upkeep(db.session, ctx, now=now, zone=ctx.calendar(db.session).zone,
                              max_batches=BATCHES_PER_PASS)
                if done.fired:
                    app.logger.info("fired due work on %d dossiers", done.fired)
                if done.rolled:
                    app.logger.info("rolled up %d completed steps%s", done.rolled,
                                    "; more to come" if done.more else "")
                # More to do: come back at once rather than at the next due time.
                if done.more:
                    return now
                due = earliest_due(db.session)
                return now + SEAL_EVERY if due is None else min(due, now + SEAL_EVERY)
            finally:
                db.session.remove()

    return fire


def due_worker(app: Flask) -> DueWorker:
    """Return a worker that runs this application's due work when it falls due."""
    worker = DueWorker(due_pass(app))
    ctx = app.extensions["motcua"]
    ctx.on_due_changed.append(worker.wake)
    return worker
