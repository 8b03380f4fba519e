"""The `motcua` command: set up the database, serve, manage users, check workflows."""

import os
import signal
import sys
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, pass_script_info, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import select

from api import cli_users
from api.cli_audit import audit_group
from api.cli_calendar import calendar_group
from api.cli_catalogue import catalogue_group
from api.cli_documents import documents_group
from api.cli_pki import pki_group
from api.cli_reports import report_group
from api.cli_simulate import simulate_command
from api.cli_workflows import export_command, import_command
from api.clock import now
from api.config import PROJECT_ROOT
from api.extensions import db
from api.scheduling import due_worker
from engine.accounts import create_user
from engine.errors import DomainError, ModelInvalid
from engine.models import User
from engine.procedures import load_departments, load_procedure, load_procedures, publish_procedures

DEMO_USERS = (
    ("reception", "receptionist", "RECEPTION", "Nguyễn Thị Lan"),
    ("officer.office", "officer", "OFFICE", "Trần Văn Hùng"),
    ("head.office", "head", "OFFICE", "Lê Thị Hoa"),
    ("officer.economic", "officer", "ECONOMIC", "Phạm Minh Tuấn"),
    ("head.economic", "head", "ECONOMIC", "Vũ Thị Mai"),
    ("officer.culture", "officer", "CULTURE_SOCIAL", "Đỗ Văn Nam"),
    ("head.culture", "head", "CULTURE_SOCIAL", "Hoàng Thị Thu"),
    ("leader", "leader", "LEADERSHIP", "Bùi Văn Quang"),
    ("officer.land", "officer", "LAND_BRANCH", "Ngô Thị Hạnh"),
    ("supervisor", "supervisor", None, "Đặng Văn Long"),
    ("designer", "designer", None, "Phan Thị Ngọc"),
    ("admin", "admin", None, "Quản trị hệ thống"),
)
DEMO_TOKENS_FILE = PROJECT_ROOT / "var" / "demo-tokens.env"
# Every demo user signs in to the staff app with it: a demonstration, never a real center.
DEMO_PASSWORD = "motcua-demo"


def _create_app():
    from api import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False,
             load_dotenv=False)
def main():
    """Run and administer a motcua one-stop-shop center."""


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def _workflows_dir() -> Path:
    return Path(current_app.config["MOTCUA_WORKFLOWS_DIR"])


def initialise(*, seed_demo: bool) -> None:
    """Create or upgrade the schema, publish workflows/, and seed demo users on first run."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    ctx = current_app.extensions["motcua"]
    try:
        departments, definitions = load_procedures(_workflows_dir(), forms=ctx.forms)
    except ModelInvalid as err:
        _fail(f"workflows/ is invalid: {err.message}")
    new = publish_procedures(db.session, departments=departments, definitions=definitions,
                             now=now())
    for definition in definitions:
        ctx.runtime.remember(definition.model)
    click.echo(f"Published {len(definitions)} procedures from {_workflows_dir()} "
               f"({new} new versions).")
    if seed_demo and db.session.scalar(select(User.id).limit(1)) is None:
        _seed_demo_users()


def _seed_demo_users() -> None:
    lines = [f"DEMO_PASSWORD={DEMO_PASSWORD}"]
    click.echo("Demo users (tokens are shown once; also saved to var/demo-tokens.env), "
               f"each signing in to the staff app with the demo password {DEMO_PASSWORD}:")
    for username, role, department, full_name in DEMO_USERS:
        _, token = create_user(db.session, username=username, role=role,
                               department_code=department, full_name=full_name,
                               password=DEMO_PASSWORD, now=now())
        variable = username.replace(".", "_").upper() + "_TOKEN"
        lines.append(f"{variable}={token}")
        click.echo(f"  {username:18} {role:13} {department or '-':15} {token}")
    DEMO_TOKENS_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEMO_TOKENS_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    DEMO_TOKENS_FILE.chmod(0o600)


@main.command("init")
@click.option("--demo/--no-demo", default=True, show_default=True,
              help="Seed one demo user per role when the database has no users.")
@with_appcontext
def init_command(demo):
    """Create or upgrade the database and load the procedures in workflows/."""
    initialise(seed_demo=demo)


@main.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=int(os.environ.get("MOTCUA_WORKERS", "2")),
              show_default=True, type=int, help="gunicorn worker processes")
@click.option("--threads", default=4, show_default=True, type=int)
@click.option("--scheduler/--no-scheduler", default=True, show_default=True,
              help="also run `motcua worker` (fire timers, reminders and escalations, seal "
                   "the audit trail, roll up step timings) in a process this one supervises")
@click.option("--demo/--no-demo", default=True, show_default=True,
              help="Seed one demo user per role when the database has no users.")
@pass_script_info
def serve_command(info, host, port, workers, threads, scheduler, demo):
    """Initialise, then serve the API with gunicorn (and the due-work scheduler)."""
    from api.serving import Server

    # Serve outside any application context: a request handled on a thread that already
    # has one (a single-threaded worker inherits this command's) reuses it, and Flask then
    # never tears the request's database session down.
    app = info.load_app()
    with app.app_context():
        initialise(seed_demo=demo)
        _warm(app)
        engine = db.engine
        db.session.remove()
    engine.dispose()
    click.echo(f"Serving on http://{host}:{port} (OpenAPI at /api/openapi.json)")
    Server(app, engine=engine, bind=f"{host}:{port}", workers=workers, threads=threads,
           scheduler=scheduler).run()


def _warm(app) -> None:
    """Import and build before the workers are forked what each would otherwise load lazily.

    The holidays package imports its country modules on first use; done here once, every
    worker inherits them whole.
    """
    app.extensions["motcua"].calendar(db.session).is_working_day(now().date())


@main.command("worker")
@click.option("--stop-with-parent", is_flag=True, hidden=True,
              help="Stop when the process that started this one (motcua serve) is gone.")
@with_appcontext
def worker_command(stop_with_parent):
    """Fire due work, seal the audit trail, roll up step timings until stopped.

    Run as many as you like on PostgreSQL: they share the work and never do it twice.
    """
    worker = due_worker(current_app._get_current_object())
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    parent = os.getppid()
    worker.start()
    click.echo("Due-work worker running; Ctrl-C to stop.")
    while not stop.wait(timeout=1.0):
        if stop_with_parent and os.getppid() != parent:
            click.echo("The server that started this worker is gone; stopping.", err=True)
            break
    worker.stop()


@main.group("user")
def user_group():
    """Manage staff accounts."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", required=True, help="receptionist, officer, head, leader, supervisor, "
                                            "designer or admin")
@click.option("--department", default=None, help="department code, e.g. OFFICE")
@click.option("--full-name", default="", help="the person's name")
@click.option("--password-stdin", is_flag=True,
              help="read the password for the staff app from standard input (one line)")
@with_appcontext
def user_add_command(username, role, department, full_name, password_stdin):
    """Create a user; the API token is printed as the last line."""
    password = cli_users.password_from_stdin() if password_stdin else None
    try:
        user, token = create_user(db.session, username=username, role=role,
                                  department_code=department, full_name=full_name,
                                  password=password, actor="cli", now=now())
    except DomainError as err:
        _fail(f"Error: {err.message}")
    click.echo(f"Created {user.username} ({user.role}"
               f"{', ' + user.department_code if user.department_code else ''}). Token:")
    click.echo(token)


@main.group("workflows")
def workflows_group():
    """Work with the procedure models."""


@workflows_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, file_okay=False,
                                                    path_type=Path))
@with_appcontext
def workflows_check_command(paths):
    """Validate procedure folders (default: all of workflows/); exit 1 on the first error."""
    ctx = current_app.extensions["motcua"]
    root = _workflows_dir()
    try:
        codes = {d["code"] for d in load_departments(root)}
        folders = list(paths) or sorted(p.parent for p in root.glob("*/procedure.json"))
        failures = 0
        for folder in folders:
            try:
                definition = load_procedure(folder, forms=ctx.forms, department_codes=codes)
            except ModelInvalid as err:
                failures += 1
                click.secho(f"FAIL {folder}: {err.message}", fg="red")
                continue
            click.echo(f"ok   {folder.name}: {definition.code} "
                       f"({len(definition.model.steps)} steps)")
    except ModelInvalid as err:
        _fail(f"FAIL {err.message}")
    if failures:
        _fail(f"{failures} of {len(folders)} procedures are invalid.")


main.add_command(calendar_group)
main.add_command(catalogue_group)
main.add_command(audit_group)
main.add_command(documents_group)
main.add_command(report_group)
main.add_command(pki_group)
main.add_command(simulate_command)
cli_users.register(user_group)
workflows_group.add_command(export_command)
workflows_group.add_command(import_command)
