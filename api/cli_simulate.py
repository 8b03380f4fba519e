"""The `motcua simulate` command: replay a synthetic commune workload, then print the headline."""

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import event, select
from tqdm import tqdm

from api.calendar import parse_day
from api.extensions import db
from engine.errors import DomainError
from engine.models import Dossier, Procedure
from engine.reports import headline
from engine.simulation import simulate


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def _commit_without_waiting_for_the_disk(engine) -> None:
    """On PostgreSQL, let this process's commits return before their WAL is flushed.

    A simulation is tens of thousands of small transactions, each of which would otherwise
    wait for an fsync; a crash may lose its last moments but never leaves the database
    inconsistent.
    """
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
        dbapi_connection.commit()

    engine.dispose()


@click.command("simulate")
@click.option("--from", "first", required=True, metavar="DATE",
              help="first day of the period (YYYY-MM-DD)")
@click.option("--to", "last", required=True, metavar="DATE",
              help="last day of the period, included (YYYY-MM-DD)")
@click.option("--dossiers", required=True, type=click.IntRange(min=0),
              help="how many dossiers the citizens hand in over the period")
@click.option("--seed", default=1, show_default=True, type=int,
              help="the same seed on the same empty database gives the same numbers")
@click.option("--yes", is_flag=True,
              help="run even though the database already holds dossiers")
@with_appcontext
def simulate_command(first, last, dossiers, seed, yes):
    """Receive and work dossiers on a simulated clock; print the headline as the last line.

    Every dossier goes through the real use cases (receipt, claim, completion, reminders,
    escalations and closures), worked by sim.* users created as needed. Dossiers still
    open at the end of the period stay in progress.
    """
    try:
        start, end = parse_day(first), parse_day(last)
    except DomainError as err:
        _fail(f"Error: {err.message}")
    if db.session.scalar(select(Procedure.code).limit(1)) is None:
        _fail("Error: no procedures are published; run `motcua init` first.")
    if not yes and db.session.scalar(select(Dossier.id).limit(1)) is not None:
        _fail(f"Error: this database already holds dossiers, and a simulation writes "
              f"{dossiers:,} more. Simulate on a database of its own (e.g. "
              "MOTCUA_DATABASE_URL=sqlite:////tmp/sim.db motcua init --no-demo), "
              "or pass --yes to add them here anyway.")
    db.session.commit()
    _commit_without_waiting_for_the_disk(db.engine)
    ctx = current_app.extensions["motcua"]
    with tqdm(total=dossiers, unit=" dossiers", desc="Simulating", file=sys.stderr,
              dynamic_ncols=True) as bar:
        try:
            result = simulate(db.session, ctx, start=start, end=end, dossiers=dossiers,
                              seed=seed, on_progress=lambda done, _total: bar.update(done - bar.n))
        except DomainError as err:
            bar.close()
            _fail(f"Error: {err.message}")
    rate = result.received / result.elapsed_seconds if result.elapsed_seconds else 0.0
    click.echo(f"Simulated {result.received:,} dossiers in {result.elapsed_seconds:,.1f} s "
               f"({rate:,.1f} dossiers/s, seed {seed}): {result.completed:,} completed, "
               f"{result.in_progress:,} in progress, {result.refused:,} refused, "
               f"{result.closures:,} closed for want of a supplement; "
               f"{result.supplements:,} supplements requested, "
               f"{result.supplements_returned:,} returned; {result.steps_completed:,} steps "
               f"completed, {result.late_steps:,} late.")
    if result.errors:
        click.secho(f"{result.errors:,} actions were refused by the engine; see the incidents.",
                    fg="yellow", err=True)
    figures = headline(db.session, period_start=result.period_start,
                       period_end=result.period_end, now=result.period_end)
    click.echo(figures.text())
