"""Wire the due-work scheduler to the application: who fires, on which session.

Each pass also moves completed steps into the step-timing rollups, a bounded number of
batches at a time so timers never wait long behind a large backlog (after an upgrade).
"""

from collections.abc import Callable
from datetime import datetime

from flask import Flask

from api.extensions import db
from engine.due import earliest_due, fire_all_due
from engine.scheduler import DueWorker
from engine.step_rollups import roll_up_completed_steps

ROLLUP_BATCHES_PER_PASS = 20


def due_pass(app: Flask) -> Callable[[datetime], datetime | None]:
    """Return one pass of due work in its own app context: it answers when to run again."""
    ctx = app.extensions["motcua"]

    def fire(now: datetime) -> datetime | None:
        with app.app_context():
            try:
                fired = fire_all_due(db.session, ctx, now=now)
                if fired:
                    app.logger.info("fired due work on %d dossiers", fired)
                rolled, more = roll_up_completed_steps(
                    db.session, zone=ctx.calendar(db.session).zone,
                    max_batches=ROLLUP_BATCHES_PER_PASS)
                if rolled:
                    app.logger.info("rolled up %d completed steps%s", rolled,
                                    "; more to come" if more else "")
                # More to roll up: come back at once rather than at the next due time.
                return now if more else earliest_due(db.session)
            finally:
                db.session.remove()

    return fire


def due_worker(app: Flask) -> DueWorker:
    """Return a worker that runs this application's due work when it falls due."""
    worker = DueWorker(due_pass(app))
    ctx = app.extensions["motcua"]
    ctx.on_due_changed.append(worker.wake)
    return worker
