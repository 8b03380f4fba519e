"""The `motcua audit` commands: seal the audit trail and check that it was not altered."""

import sys
from datetime import UTC, datetime, timedelta

import click
from flask.cli import with_appcontext

from api.extensions import db
from engine.audit import ChainReport, seal, verify_chain

# A worker seals every second: events older than this mean no worker is running.
STALE_AFTER = timedelta(minutes=1)


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
        click.echo(_unsealed_message(report, now=datetime.now(UTC)))


def _unsealed_message(report: ChainReport, *, now: datetime) -> str:
    waited = now - report.oldest_unsealed_at
    if waited <= STALE_AFTER:
        return (f"{report.unsealed} newer events are not sealed yet: the worker seals them "
                "within seconds, or run `motcua audit seal`.")
    minutes = int(waited.total_seconds() // 60)
    return (f"{report.unsealed} events are not sealed yet, the oldest written {minutes} min "
            "ago: no worker seems to run. Start `motcua worker` (or `motcua serve` without "
            "--no-scheduler), or run `motcua audit seal`.")
