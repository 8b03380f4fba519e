"""The `motcua documents` commands: check that the stored files are the ones recorded."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from api.extensions import db
from engine.document_store import DirectoryStore
from engine.documents import verify_documents


@click.group("documents")
def documents_group():
    """Check the files behind dossiers' documents."""


@documents_group.command("verify")
@with_appcontext
def verify_command():
    """Rehash every stored file the database refers to; exit 1 naming missing or changed ones."""
    root = Path(current_app.config["MOTCUA_DOCUMENTS_DIR"])
    check = verify_documents(db.session, DirectoryStore(root))
    for sha256 in check.missing:
        click.secho(f"MISSING {sha256}", fg="red", err=True)
    for sha256 in check.changed:
        click.secho(f"CHANGED {sha256}", fg="red", err=True)
    if not check.intact:
        click.secho(f"{len(check.missing)} missing and {len(check.changed)} changed of "
                    f"{check.checked} files in {root}.", fg="red", err=True)
        sys.exit(1)
    click.echo(f"Documents intact: {check.checked} files in {root}.")
