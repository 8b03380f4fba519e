"""`motcua catalogue load FILE`: post the center's catalogue of procedures from CSV or XLSX."""

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from api.clock import now
from api.extensions import db
from engine.catalogue_file import read_catalogue
from engine.catalogue_load import Outcome, load_catalogue
from engine.procedure_creation import handling_departments


@click.group("catalogue")
def catalogue_group():
    """Load the center's catalogue of procedures."""


@catalogue_group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True,
              help="check every row and say what would change, changing nothing")
@with_appcontext
def load_command(file, dry_run):
    """Post every procedure of FILE (.csv or .xlsx) on the generic pattern model.

    Every row is checked first; if any is bad, each problem is listed with its row number
    and nothing is loaded. Loading again updates the rows that changed and never replaces a
    procedure that has its own model. See README "Loading the catalogue" for the columns.
    """
    checked = read_catalogue(file, departments=handling_departments(db.session))
    if checked.problems:
        for problem in checked.problems:
            click.secho(str(problem), fg="red", err=True)
        click.secho(f"{file.name}: {len(checked.problems)} problem(s); nothing was loaded.",
                    fg="red", err=True)
        sys.exit(1)

    def progress(done: int, total: int) -> None:
        click.echo(f"  {done}/{total} rows", err=True)

    report = load_catalogue(db.session, checked.rows, source=file.name, now=now(),
                            dry_run=dry_run, progress=progress)
    for code, outcome in report.outcomes.items():
        if outcome == Outcome.KEPT:
            click.echo(f"kept {code}: it has its own model; edit it in the designer")
    counts = ", ".join(f"{report.count(o)} {o}" for o in Outcome)
    verb = "Would load" if dry_run else "Loaded"
    click.echo(f"{verb} {len(report.outcomes)} procedures from {file.name}: {counts}."
               + (" Nothing was changed (--dry-run)." if dry_run else ""))
