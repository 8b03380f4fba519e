"""The `motcua pki` commands: the leaders' signing certificates, and checking a signed PDF."""

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from api.clock import now
from api.extensions import db
from api.formatting import local_moment
from api.results import pki_store
from engine.accounts import get_user_by_name_or_raise
from engine.errors import DomainError
from engine.signing import validate_pdf

ORGANIZATION_HELP = "the agency named in the certificate [default: MOTCUA_AGENCY_NAME]"


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def _describe(certificate) -> str:
    return (f"{certificate.subject.rfc4514_string()} (serial {certificate.serial_number:x}, "
            f"valid until {local_moment(certificate.not_valid_after_utc)})")


@click.group("pki")
def pki_group():
    """Keep the leaders' signing certificates (MOTCUA_PKI_DIR) and check signed PDFs."""


@pki_group.command("init-ca")
@click.option("--organization", default=None, help=ORGANIZATION_HELP)
@with_appcontext
def init_ca_command(organization):
    """Create a demo CA for development and trust it; a deployment imports its own certificates."""
    try:
        certificate = pki_store().init_ca(
            organization=organization or current_app.config["MOTCUA_AGENCY_NAME"], now=now())
    except DomainError as err:
        _fail(f"Error: {err.message}")
    click.echo(f"Created the demo CA {_describe(certificate)}.")


@pki_group.command("issue")
@click.argument("username")
@click.option("--organization", default=None, help=ORGANIZATION_HELP)
@with_appcontext
def issue_command(username, organization):
    """Issue a leader a signing certificate from the demo CA."""
    try:
        user = get_user_by_name_or_raise(db.session, username)
        certificate = pki_store().issue(
            user, organization=organization or current_app.config["MOTCUA_AGENCY_NAME"],
            now=now())
    except DomainError as err:
        _fail(f"Error: {err.message}")
    click.echo(f"Issued {username} the signing certificate {_describe(certificate)}.")


@pki_group.command("import")
@click.argument("username")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--passphrase-env", default=None, metavar="VARIABLE",
              help="read the file's passphrase from this environment variable instead of asking")
@with_appcontext
def import_command(username, file, passphrase_env):
    """Load a leader's own PKCS#12 (.p12, .pfx) file, kept encrypted with this install's key."""
    if passphrase_env is not None:
        if passphrase_env not in os.environ:
            _fail(f"Error: the environment variable {passphrase_env} is not set.")
        passphrase = os.environ[passphrase_env]
    else:
        passphrase = click.prompt(f"Passphrase of {file.name}", hide_input=True, default="",
                                  show_default=False)
    try:
        user = get_user_by_name_or_raise(db.session, username)
        certificate = pki_store().import_pkcs12(user, file.read_bytes(),
                                             passphrase.encode() or None)
    except DomainError as err:
        _fail(f"Error: {err.message}")
    click.echo(f"Imported for {username} the signing certificate {_describe(certificate)}.")


@pki_group.command("list")
@with_appcontext
def list_command():
    """List the leaders' signing certificates."""
    try:
        summaries = pki_store().credentials()
    except DomainError as err:
        _fail(f"Error: {err.message}")
    for summary in summaries:
        click.echo(f"{summary.username:18} {summary.subject}  issued by {summary.issuer}, "
                   f"valid until {local_moment(summary.not_after)}")
    if not summaries:
        click.echo("No signing certificates yet: motcua pki issue USERNAME, or pki import.")


@pki_group.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_command(file):
    """Validate a signed PDF's signature; exit 1 unless it is intact and trusted."""
    try:
        report = validate_pdf(file.read_bytes(), pki_store().trust_roots(), at=now())
    except DomainError as err:
        _fail(f"Error: {err.message}")
    signed_at = report.signed_at
    click.echo(f"Signer: {report.signer}")
    click.echo(f"Signed at: {local_moment(signed_at)} "
               f"({signed_at.isoformat() if signed_at else 'unknown'}"
               f"{', time-stamped' if report.timestamped else ''})")
    click.echo(f"Intact: {'yes' if report.intact else 'NO'}")
    click.echo(f"Trusted: {'yes' if report.trusted else 'NO'}")
    click.echo(f"Covers the whole document: {'yes' if report.whole_document else 'no'}")
    click.echo(f"Modified after signing: {'YES' if report.modified_after_signing else 'no'}")
    if not (report.intact and report.trusted):
        sys.exit(1)
