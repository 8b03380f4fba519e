"""The `motcua calendar` commands: due times, working days and the admins' overrides."""

import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from api.calendar import compute_due, parse_day
from api.clock import now
from api.extensions import db
from engine.calendar_store import delete_override, get_overrides, set_override
from engine.errors import DomainError
from engine.models import User
from engine.statuses import Role


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def _day(text: str):
    try:
        return parse_day(text)
    except DomainError as err:
        _fail(f"Error: {err.message}")


def _system_admin() -> User:
    """Return the admin the command acts as: only admins may change the calendar."""
    admin = db.session.scalars(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True))
        .order_by(User.id).limit(1)).first()
    if admin is None:
        _fail("Error: create an admin first: motcua user add NAME --role admin")
    return admin


@click.group("calendar")
def calendar_group():
    """Ask the working calendar; declare days worked or off."""


@calendar_group.command("due")
@click.option("--from", "start", default=None, metavar="ISO_DATETIME",
              help="when the count starts; without an offset it is local Vietnamese time "
                   "[default: now]")
@click.option("--working-days", type=float, default=None, help="working days of 8 hours")
@click.option("--working-hours", type=float, default=None, help="working hours")
@click.option("--procedure", default=None, metavar="CODE",
              help="apply the procedure's cut-off and, without a count, its deadline")
@with_appcontext
def due_command(start, working_days, working_hours, procedure):
    """Print when working time counted from --from runs out (the last line)."""
    if start is None:
        moment = now().replace(microsecond=0)
    else:
        try:
            moment = datetime.fromisoformat(start)
        except ValueError:
            _fail(f"Error: --from '{start}' is not a date and time like 2026-03-02T15:30:00+07:00")
    if working_days is None and working_hours is None and procedure is None:
        _fail("Error: give --working-days or --working-hours (or --procedure)")
    if working_days is not None and working_hours is not None:
        _fail("Error: give --working-days or --working-hours, not both")
    calendar = current_app.extensions["motcua"].calendar(db.session)
    try:
        due = compute_due(db.session, calendar, start=moment, working_days=working_days,
                          working_hours=working_hours, procedure_code=procedure)
    except DomainError as err:
        _fail(f"Error: {err.message}")
    if due.counting_start != due.start:
        click.echo(f"Counting starts {due.counting_start.isoformat(timespec='seconds')}.")
    click.echo(due.due_at.isoformat(timespec="seconds"))


@calendar_group.command("is-working-day")
@click.argument("day", metavar="DATE")
@with_appcontext
def is_working_day_command(day):
    """Print yes or no (the last line); on a day off, the reason before it."""
    reason = current_app.extensions["motcua"].calendar(db.session).day_off_reason(_day(day))
    if reason is None:
        click.echo("yes")
    else:
        click.echo(reason)
        click.echo("no")


@calendar_group.group("override")
def override_group():
    """Declare days worked or off, beating weekends and public holidays."""


@override_group.command("set")
@click.argument("day", metavar="DATE")
@click.option("--working/--off", "working", default=None,
              help="the office works that day, or it is a day off")
@click.option("--note", required=True, help="why, e.g. 'Local closure'")
@with_appcontext
def override_set_command(day, working, note):
    """Declare DATE (YYYY-MM-DD) worked or off, replacing any override."""
    when = _day(day)
    if working is None:
        _fail("Error: say --working or --off")
    try:
        row = set_override(db.session, current_app.extensions["motcua"].calendars, day=when,
                           working=working, note=note, user=_system_admin(), now=now())
    except DomainError as err:
        _fail(f"Error: {err.message}")
    click.echo(f"{row.day.isoformat()} is now {'working' if row.working else 'off'}: {row.note}")


@override_group.command("delete")
@click.argument("day", metavar="DATE")
@with_appcontext
def override_delete_command(day):
    """Remove DATE's override: it falls back to calendar.json, holidays and weekends."""
    when = _day(day)
    try:
        delete_override(db.session, current_app.extensions["motcua"].calendars, day=when,
                        user=_system_admin(), now=now())
    except DomainError as err:
        _fail(f"Error: {err.message}")
    click.echo(f"Deleted the override for {when.isoformat()}.")


@override_group.command("list")
@click.option("--year", type=click.IntRange(1, 9999), default=None, help="only this year")
@with_appcontext
def override_list_command(year):
    """List the overrides set by admins, in date order."""
    rows = get_overrides(db.session, year=year)
    if not rows:
        click.echo("No overrides.")
    for row in rows:
        click.echo(f"{row.day.isoformat()}  {'working' if row.working else 'off':7}  "
                   f"{row.note}  (by {row.updated_by}, "
                   f"{row.updated_at.isoformat(timespec='seconds')})")
