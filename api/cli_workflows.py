"""`motcua workflows export` and `import`: procedure folders out of and into motcua."""

import json
import shutil
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from api.clock import now
from api.extensions import db
from engine.bpmn_import import ImportOptions, ModelUnreadable, TimerMode, import_model
from engine.calendar_store import CALENDAR_FILE
from engine.import_check import check_imported, trial_imported
from engine.import_report import EntryKind, render_markdown
from engine.procedures import load_departments
from engine.validation import HostileXml, is_valid
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


IMPORT_FOLDER = "imported-workflows"
REPORT_FILE = "import-report.md"
MARKS = {EntryKind.REFUSED: "REFUSED", EntryKind.DECIDE: "DECIDE ", EntryKind.CHANGED: "changed"}


def _group_mapping(ctx, param, values) -> dict[str, str]:
    mapping = {}
    for value in values:
        group, sep, department = value.partition("=")
        if not sep or not group.strip() or not department.strip():
            raise click.BadParameter(f"'{value}' is not GROUP=DEPT", ctx=ctx, param=param)
        mapping[group.strip()] = department.strip()
    return mapping


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code", help="procedure code (default: the process id)")
@click.option("--name-vi", help="the procedure's Vietnamese name (default: the process name)")
@click.option("--department", help="the responsible department's code, given the steps "
              "nothing else maps (default: the first code in alphabetical order)")
@click.option("--map", "mapping", multiple=True, callback=_group_mapping, metavar="GROUP=DEPT",
              help="a Camunda candidate group, assignee or lane name → department code; "
                   "repeatable")
@click.option("--timers", type=click.Choice([m.value for m in TimerMode]), default="calendar",
              show_default=True, help="read ISO-8601 timer durations as calendar or working time")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"folder to write into (default: ./{IMPORT_FOLDER})")
@with_appcontext
def import_command(file, code, name_vi, department, mapping, timers, output):
    """Convert a bpmn.io / Camunda Modeler model into a procedure folder, check and trial it.

    Writes OUTPUT/<folder>/ (model, procedure.json, import-report.md) and OUTPUT/forms/<folder>/
    (a form per step), prints the report, runs the check and, when it passes, a trial dossier
    with data generated from the forms. Exit 0 when the trial finished, 1 when the model is
    refused or does not run, 2 when the file is no BPMN model.
    """
    ctx = current_app.extensions["motcua"]
    workflows = Path(current_app.config["MOTCUA_WORKFLOWS_DIR"])
    codes = {d["code"] for d in load_departments(workflows)}
    unknown = sorted({department, *mapping.values()} - codes - {None})
    if unknown:
        click.secho(f"unknown department codes {unknown}; known: {sorted(codes)}", fg="red",
                    err=True)
        sys.exit(2)
    options = ImportOptions(code=code, name_vi=name_vi, department=department,
                            group_departments=mapping, timers=TimerMode(timers))
    try:
        imported = import_model(file.read_bytes(), options=options, department_codes=codes)
    except (ModelUnreadable, HostileXml) as err:
        click.secho(f"{file}: {err.message}", fg="red", err=True)
        sys.exit(2)
    problems = check_imported(imported, known_forms=ctx.forms.__contains__,
                              department_codes=codes)
    trial = None
    if not imported.refused and is_valid(problems):
        trial = trial_imported(ctx, imported, calendar=ctx.calendar(db.session), start_at=now())
    target = _write_import(output if output is not None else Path.cwd() / IMPORT_FOLDER,
                           imported, render_markdown(
                               imported.entries, source=file.name,
                               problems=[p.as_dict() for p in problems],
                               trial=_trial_words(trial)))
    for entry in imported.entries:
        action = f" → {entry.action}" if entry.action else ""
        click.echo(f"{MARKS[entry.kind]} {file.name}:{entry.line or '?'} "
                   f"[{entry.element or '-'}] {entry.message}{action}")
    for problem in problems:
        click.echo(f"CHECK   {imported.meta['bpmn']}:{problem.line or '?'} "
                   f"[{problem.element or '-'}] {problem.message}")
    click.echo(f"Wrote {target} and {target.parent / 'forms' / imported.folder}.")
    if trial is not None and trial.finished:
        click.echo(f"{_trial_words(trial)}\nNext: fill the forms and answer the DECIDE entries "
                   f"in {target / REPORT_FILE}, then copy {target.name}/ into workflows/ and "
                   f"forms/{imported.folder}/ into forms/ and run `motcua workflows check`.")
        return
    click.secho(_trial_words(trial) if trial is not None else
                "The model cannot run yet: fix the REFUSED entries and CHECK problems, then "
                "import again (or edit the written model and run `motcua workflows check`).",
                fg="red")
    sys.exit(1)


def _trial_words(trial) -> str | None:
    if trial is None:
        return None
    if trial.finished:
        return (f"Trial dossier finished in {len(trial.path)} steps on "
                f"{trial.finished_at:%Y-%m-%d %H:%M}: {' → '.join(s.step for s in trial.path)}.")
    return f"Trial dossier did not finish: {trial.error}"


def _write_import(directory: Path, imported, report: str) -> Path:
    folder = directory / imported.folder
    folder.mkdir(parents=True, exist_ok=True)
    (folder / imported.meta["bpmn"]).write_bytes(imported.bpmn_xml)
    _write_json(folder / "procedure.json", imported.meta)
    (folder / REPORT_FILE).write_text(report, encoding="utf-8")
    for key, schema in imported.forms.items():
        path = directory / "forms" / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_json(path, schema)
    return folder


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
