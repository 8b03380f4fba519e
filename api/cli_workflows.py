"""`motcua workflows export`: write the published versions back as procedure folders."""

import shutil
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from api.extensions import db
from engine.calendar_store import CALENDAR_FILE
from engine.versions import export_published

DEFAULT_FOLDER = "exported-workflows"


@click.command("export")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"folder to write (default: ./{DEFAULT_FOLDER})")
@click.option("--force", is_flag=True,
              help="write into a folder that is not empty, replacing files of the same name")
@with_appcontext
def export_command(output, force):
    """Write each published version as a workflows/-style folder: BPMN, procedure.json, forms.

    The result can be reviewed, committed to the workflows repository, checked with
    `motcua workflows check`, or used as MOTCUA_WORKFLOWS_DIR on another center.
    """
    target = output if output is not None else Path.cwd() / DEFAULT_FOLDER
    if target.exists() and any(target.iterdir()) and not force:
        click.secho(f"{target} is not empty; choose another --output or add --force.",
                    fg="red", err=True)
        sys.exit(1)
    exported = export_published(db.session, target)
    # The calendar is the center's setting, not a version's: copy it so the folder is complete.
    calendar = Path(current_app.config["MOTCUA_WORKFLOWS_DIR"]) / CALENDAR_FILE
    if calendar.is_file():
        shutil.copyfile(calendar, target / CALENDAR_FILE)
    for item in exported:
        click.echo(f"{item.folder}: {item.code} version {item.number} ({item.spec_hash[:12]})")
    click.echo(f"Exported {len(exported)} published procedures to {target}.")
