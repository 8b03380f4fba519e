"""The `motcua audit` commands: check that the audit trail was not altered."""

import sys

import click
from flask.cli import with_appcontext

from api.extensions import db
from engine.audit import verify_chain


@click.group("audit")
def audit_group():
    """Check the hash-chained audit trail."""


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
