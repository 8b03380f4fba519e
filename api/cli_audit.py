"""The `motcua audit` commands: seal the audit trail and check that it was not altered."""

import sys

import click
from flask.cli import with_appcontext

from api.extensions import db
from engine.audit import seal, verify_chain


@click.group("audit")
def audit_group():
    """Seal and check the hash-chained audit trail."""


@audit_group.command("seal")
@with_appcontext
def seal_command():
    """Chain every committed event not sealed yet (the worker does it within seconds)."""
    sealed, _ = seal(db.session)
    click.echo(f"Sealed {sealed} audit events.")


@audit_group.command("verify")
@with_appcontext
def verify_command():
    """Recompute every event's hash; exit 1 naming the first event changed or removed."""
    report = verify_chain(db.session)
    if not report.intact:
        click.secho(f"Audit chain BROKEN at event {report.first_broken_seq}: {report.reason}",
                    fg="red", err=True)
        sys.exit(1)
    click.echo(f"Audit chain intact: {report.events} events.")
    if report.unsealed:
        click.echo(f"{report.unsealed} newer events are not sealed yet: the worker seals them "
                   "within seconds, or run `motcua audit seal`.")
