"""The `motcua user` commands beyond `add`: list, (de)activate, passwords, tokens."""

import sys

import click
from flask.cli import with_appcontext

from api.clock import now
from api.extensions import db
from engine.accounts import (
    UserFilter,
    get_all_users,
    get_user_by_name_or_raise,
    revoke_token,
    rotate_token,
    set_active,
)
from engine.errors import DomainError
from engine.models import User
from engine.passwords import set_password

ACTOR = "cli"
COLUMNS = ("USERNAME", "FULL NAME", "ROLE", "DEPARTMENT", "ACTIVE")


def _fail(message: str) -> None:
    click.secho(message, fg="red", err=True)
    sys.exit(1)


def _user(username: str) -> User:
    try:
        return get_user_by_name_or_raise(db.session, username)
    except DomainError as err:
        _fail(f"Error: {err.message}")


@click.command("list")
@click.option("--role", default=None, help="only this role")
@click.option("--department", default=None, help="only this department code")
@click.option("--active/--inactive", default=None, help="only active or deactivated users")
@with_appcontext
def list_command(role, department, active):
    """Print the users as a table: username, full name, role, department, active."""
    rows = [(u.username, u.full_name or "-", u.role, u.department_code or "-",
             "yes" if u.active else "no")
            for u in get_all_users(db.session, where=UserFilter(
                role=role, department_code=department, active=active))]
    widths = [max(len(row[i]) for row in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    for row in [COLUMNS, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


def password_from_stdin() -> str:
    """Return the first line of standard input, without its line break."""
    return sys.stdin.readline().rstrip("\r\n")


@click.command("passwd")
@click.argument("username")
@with_appcontext
def passwd_command(username):
    """Set a user's password for the staff app: from standard input, or asked twice.

    Lifts a lock left by wrong passwords and signs the user out of the staff app everywhere.
    """
    user = _user(username)
    if sys.stdin.isatty():
        password = click.prompt("New password", hide_input=True,
                                confirmation_prompt="Repeat the new password")
    else:
        password = password_from_stdin()
    try:
        set_password(db.session, user, password, actor=ACTOR, now=now())
    except DomainError as err:
        _fail(f"Error: {err.message}")
    click.echo(f"Set the password of {user.username}.")


@click.command("deactivate")
@click.argument("username")
@with_appcontext
def deactivate_command(username):
    """Deactivate a user: their token fails from the next request."""
    user = set_active(db.session, _user(username), active=False, actor=ACTOR, now=now())
    click.echo(f"Deactivated {user.username}.")


@click.command("activate")
@click.argument("username")
@with_appcontext
def activate_command(username):
    """Activate a deactivated user again; their current token works again."""
    user = set_active(db.session, _user(username), active=True, actor=ACTOR, now=now())
    click.echo(f"Activated {user.username}.")


@click.command("rotate-token")
@click.argument("username")
@with_appcontext
def rotate_token_command(username):
    """Give a user a new token, printed as the last line; the old one stops working."""
    user = _user(username)
    token = rotate_token(db.session, user, actor=ACTOR, now=now())
    click.echo(f"New token for {user.username} (the old one no longer works):")
    click.echo(token)


@click.command("revoke-token")
@click.argument("username")
@with_appcontext
def revoke_token_command(username):
    """Revoke a user's token: none works until `motcua user rotate-token` gives a new one."""
    user = revoke_token(db.session, _user(username), actor=ACTOR, now=now())
    click.echo(f"Revoked the token of {user.username}; rotate-token gives a new one.")


def register(group: click.Group) -> None:
    """Add these commands to the `motcua user` group."""
    for command in (list_command, passwd_command, deactivate_command, activate_command,
                    rotate_token_command, revoke_token_command):
        group.add_command(command)
