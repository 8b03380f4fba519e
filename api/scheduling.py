"""Wire the due-work scheduler to the application: who fires, on which session."""

from datetime import datetime

from flask import Flask

from api.extensions import db
from engine.due import earliest_due, fire_all_due
from engine.scheduler import DueWorker


def due_worker(app: Flask) -> DueWorker:
    """Return a worker that fires this application's due work in its own app context."""
    ctx = app.extensions["motcua"]

    def fire(now: datetime) -> datetime | None:
        with app.app_context():
            try:
                fired = fire_all_due(db.session, ctx, now=now)
                if fired:
                    app.logger.info("fired due work on %d dossiers", fired)
                return earliest_due(db.session)
            finally:
                db.session.remove()

    worker = DueWorker(fire)
    ctx.on_due_changed.append(worker.wake)
    return worker
