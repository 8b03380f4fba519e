"""The `motcua report` commands: the headline, progress, step timings and the on-time chart."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from api.calendar import parse_day
from api.clock import now
from api.extensions import db
from engine import exports
from engine.errors import DomainError
from engine.reports import (
    GROUPINGS,
    ProgressRow,
    StepTimingRow,
    headline,
    on_time_by_month,
    period_of,
    progress_report,
    step_timings,
)


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def _days(first: str, last: str):
    """Return the first and last day and the center's zone, or stop with what to fix."""
    try:
        zone = current_app.extensions["motcua"].calendar(db.session).zone
        return parse_day(first), parse_day(last), zone
    except DomainError as err:
        _fail(f"Error: {err.message}")


def _period(first: str, last: str):
    try:
        return period_of(*_days(first, last))
    except DomainError as err:
        _fail(f"Error: {err.message}")


def _write_table(rows, row_type, file_format: str, output: Path | None, title: str) -> None:
    if file_format == "xlsx":
        if output is None:
            _fail("Error: an Excel workbook needs --output FILE.xlsx")
        output.write_bytes(exports.to_xlsx(rows, row_type, title=title))
        click.echo(f"Wrote {len(rows)} rows to {output}.")
    elif output is not None:
        # The BOM lets Excel open the file as UTF-8 and show Vietnamese names.
        output.write_text(exports.to_csv(rows, row_type), encoding="utf-8", newline="")
        click.echo(f"Wrote {len(rows)} rows to {output}.")
    else:
        click.echo(exports.to_csv(rows, row_type).removeprefix(exports.BOM), nl=False)


def _period_options(command):
    command = click.option("--to", "last", required=True, metavar="DATE",
                           help="last day, included (YYYY-MM-DD)")(command)
    return click.option("--from", "first", required=True, metavar="DATE",
                        help="first day (YYYY-MM-DD)")(command)


def _table_options(command):
    command = click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
                           default=None, help="write to FILE instead of printing CSV")(command)
    return click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]),
                        default="csv", show_default=True)(command)


@click.group("report")
def report_group():
    """Print and export the supervisors' reports."""


@report_group.command("summary")
@_period_options
@with_appcontext
def summary_command(first, last):
    """Print the period's headline in Vietnamese, then in English (the last line)."""
    start, end = _period(first, last)
    figures = headline(db.session, period_start=start, period_end=end, now=now())
    click.echo(figures.text_vi())
    click.echo(figures.text())


@report_group.command("progress")
@_period_options
@click.option("--group-by", type=click.Choice(GROUPINGS), default="procedure",
              show_default=True)
@_table_options
@with_appcontext
def progress_command(first, last, group_by, file_format, output):
    """Export the progress report: one row per group, then the total."""
    start, end = _period(first, last)
    rows = progress_report(db.session, period_start=start, period_end=end, group_by=group_by,
                           now=now())
    _write_table(rows, ProgressRow, file_format, output, f"progress-{group_by}")


@report_group.command("step-timings")
@_period_options
@click.option("--procedure", default=None, metavar="CODE", help="only this procedure")
@_table_options
@with_appcontext
def step_timings_command(first, last, procedure, file_format, output):
    """Export the steps' waiting and working hours, worst bottleneck first."""
    first_day, last_day, zone = _days(first, last)
    try:
        rows = step_timings(db.session, first_day=first_day, last_day=last_day, zone=zone,
                            procedure_code=procedure)
    except DomainError as err:
        _fail(f"Error: {err.message}")
    _write_table(rows, StepTimingRow, file_format, output, "step-timings")


@report_group.command("chart")
@_period_options
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the PNG file to write")
@with_appcontext
def chart_command(first, last, output):
    """Draw the share completed early or on time per month and department as a PNG."""
    start, end = _period(first, last)
    rows = on_time_by_month(db.session, period_start=start, period_end=end)
    output.write_bytes(exports.on_time_chart_png(rows))
    click.echo(f"Wrote {output}.")
