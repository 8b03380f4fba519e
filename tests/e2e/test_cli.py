import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from api import create_app
from api.cli import DEMO_PASSWORD, DEMO_TOKENS_FILE
from api.clock import now
from api.config import PROJECT_ROOT
from api.extensions import db
from engine.errors import SignInRefused
from engine.passwords import Lockout, sign_in
from engine.statuses import Role

MOTCUA = Path(sys.executable).with_name("motcua")
WORKFLOWS_DIR = PROJECT_ROOT / "workflows"
PROCEDURE_FOLDERS = sorted(p.parent.name for p in WORKFLOWS_DIR.glob("*/procedure.json"))
DEMO_LINE = re.compile(r"^\s+(?P<username>\S+)\s+(?P<role>\S+)\s+(?P<department>\S+)\s+"
                       r"(?P<token>mc_\S+)$")


@pytest.fixture
def database_file(tmp_path) -> Path:
    return tmp_path / "cli.db"


@pytest.fixture
def database_url(database_file) -> str:
    return f"sqlite:///{database_file}"


@pytest.fixture
def motcua(tmp_path, database_url):
    """Run the installed console script against the test's own SQLite file."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MOTCUA_", "FLASK_"))}
    env["MOTCUA_DATABASE_URL"] = database_url

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(MOTCUA), *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, check=False, input=stdin)

    return run


@pytest.fixture
def initialised(motcua):
    result = motcua("init", "--no-demo")
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def demo_tokens_file():
    """`motcua init` writes var/demo-tokens.env under the project; put back what was there."""
    before = DEMO_TOKENS_FILE.read_bytes() if DEMO_TOKENS_FILE.exists() else None
    yield DEMO_TOKENS_FILE
    if before is None:
        DEMO_TOKENS_FILE.unlink(missing_ok=True)
    else:
        DEMO_TOKENS_FILE.write_bytes(before)


def _rows(database_file: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(database_file)) as conn:
        return conn.execute(sql).fetchall()


@contextmanager
def _client(database_url: str):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    try:
        yield app.test_client()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _signs_in(database_url: str, username: str, password: str) -> bool:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        try:
            sign_in(db.session, username, password, now=now(), lockout=Lockout())
        except SignInRefused:
            return False
        finally:
            db.session.remove()
            db.engine.dispose()
    return True


def _procedures_status(client, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/api/v1/procedures", headers=headers).status_code


def test_init_without_demo_creates_the_database_and_publishes_the_five_procedures(
        motcua, database_file):
    result = motcua("init", "--no-demo")

    assert result.returncode == 0, result.stderr
    assert "Published 5 procedures" in result.stdout
    assert "mc_" not in result.stdout
    assert _rows(database_file, "SELECT count(*) FROM procedures") == [(5,)]
    assert _rows(database_file, "SELECT count(*) FROM users") == [(0,)]


def test_init_on_a_fresh_database_prints_demo_tokens_that_authenticate(
        motcua, database_url, demo_tokens_file):
    result = motcua("init")

    assert result.returncode == 0, result.stderr
    demo = [m.groupdict() for m in map(DEMO_LINE.match, result.stdout.splitlines()) if m]
    assert {user["role"] for user in demo} == {role.value for role in Role}
    saved = demo_tokens_file.read_text(encoding="utf-8")
    assert all(user["token"] in saved for user in demo)
    with _client(database_url) as client:
        assert _procedures_status(client, None) == 401
        assert {user["username"]: _procedures_status(client, user["token"]) for user in demo} \
            == {user["username"]: 200 for user in demo}


def test_init_a_second_time_seeds_no_more_demo_users(motcua, database_file, demo_tokens_file):
    assert motcua("init").returncode == 0
    users_after_first_run = _rows(database_file, "SELECT count(*) FROM users")
    assert users_after_first_run != [(0,)]

    result = motcua("init")

    assert result.returncode == 0, result.stderr
    assert "Published 5 procedures" in result.stdout
    assert "mc_" not in result.stdout
    assert _rows(database_file, "SELECT count(*) FROM users") == users_after_first_run


def test_user_add_prints_a_token_on_its_last_line_that_authenticates(
        motcua, initialised, database_file, database_url):
    result = motcua("user", "add", "alice", "--role", "officer", "--department", "OFFICE")

    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("mc_")
    assert _rows(database_file, "SELECT username, role, department_code FROM users") == [
        ("alice", "officer", "OFFICE")]
    with _client(database_url) as client:
        assert _procedures_status(client, token) == 200
        assert _procedures_status(client, token + "x") == 401


def test_user_add_with_an_unknown_role_fails_naming_the_roles_and_creates_no_one(
        motcua, initialised, database_file):
    result = motcua("user", "add", "bob", "--role", "janitor", "--department", "OFFICE")

    assert result.returncode == 1
    assert "janitor" in result.stderr
    assert all(role.value in result.stderr for role in Role)
    assert _rows(database_file, "SELECT count(*) FROM users") == [(0,)]


def test_user_add_with_an_unknown_department_fails_naming_the_departments_and_creates_no_one(
        motcua, initialised, database_file):
    result = motcua("user", "add", "bob", "--role", "officer", "--department", "NOPE")

    assert result.returncode == 1
    assert "NOPE" in result.stderr
    departments = [code for (code,) in _rows(database_file, "SELECT code FROM departments")]
    assert departments
    assert all(code in result.stderr for code in departments)
    assert _rows(database_file, "SELECT count(*) FROM users") == [(0,)]


def _add(motcua, username: str, *options: str) -> str:
    result = motcua("user", "add", username, *options)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_user_list_prints_a_table_of_every_user(motcua, initialised):
    _add(motcua, "alice", "--role", "officer", "--department", "OFFICE", "--full-name",
         "Trần Thị Alice")
    _add(motcua, "bob", "--role", "supervisor")
    assert motcua("user", "deactivate", "bob").returncode == 0

    result = motcua("user", "list")

    assert result.returncode == 0, result.stderr
    header, *rows = [line.split() for line in result.stdout.strip().splitlines()]
    assert header == ["USERNAME", "FULL", "NAME", "ROLE", "DEPARTMENT", "ACTIVE"]
    assert rows == [["alice", "Trần", "Thị", "Alice", "officer", "OFFICE", "yes"],
                    ["bob", "-", "supervisor", "-", "no"]]


def test_a_deactivated_user_is_refused_on_the_next_request_until_activated(
        motcua, initialised, database_file, database_url):
    token = _add(motcua, "alice", "--role", "officer", "--department", "OFFICE")

    with _client(database_url) as client:
        assert _procedures_status(client, token) == 200
        deactivated = motcua("user", "deactivate", "alice")
        assert _procedures_status(client, token) == 401
        activated = motcua("user", "activate", "alice")
        assert _procedures_status(client, token) == 200

    assert (deactivated.returncode, activated.returncode) == (0, 0)
    assert _rows(database_file, "SELECT actor, action FROM audit_events "
                                "WHERE action LIKE 'user.%' ORDER BY id") == [
        ("cli", "user.created"), ("cli", "user.deactivated"), ("cli", "user.activated")]


def test_rotate_token_prints_a_new_token_last_and_the_old_one_stops_working(
        motcua, initialised, database_file, database_url):
    old = _add(motcua, "alice", "--role", "officer", "--department", "OFFICE")

    result = motcua("user", "rotate-token", "alice")

    assert result.returncode == 0, result.stderr
    new = result.stdout.strip().splitlines()[-1]
    assert new.startswith("mc_") and new != old
    with _client(database_url) as client:
        assert (_procedures_status(client, old), _procedures_status(client, new)) == (401, 200)
    assert _rows(database_file, "SELECT actor FROM audit_events "
                                "WHERE action = 'user.token_rotated'") == [("cli",)]


def test_revoke_token_leaves_no_working_token_until_rotated(
        motcua, initialised, database_file, database_url):
    old = _add(motcua, "alice", "--role", "officer", "--department", "OFFICE")

    result = motcua("user", "revoke-token", "alice")

    assert result.returncode == 0, result.stderr
    with _client(database_url) as client:
        assert _procedures_status(client, old) == 401
        new = motcua("user", "rotate-token", "alice").stdout.strip().splitlines()[-1]
        assert _procedures_status(client, new) == 200
    assert _rows(database_file, "SELECT actor FROM audit_events "
                                "WHERE action = 'user.token_revoked'") == [("cli",)]


@pytest.mark.parametrize("command", ["deactivate", "activate", "rotate-token", "revoke-token"])
def test_user_commands_on_an_unknown_user_fail_and_change_nothing(
        motcua, initialised, database_file, command):
    _add(motcua, "alice", "--role", "officer", "--department", "OFFICE")
    before = _rows(database_file, "SELECT * FROM users")

    result = motcua("user", command, "alicia")

    assert result.returncode == 1
    assert "alicia" in result.stderr and "motcua user list" in result.stderr
    assert _rows(database_file, "SELECT * FROM users") == before


def test_workflows_check_passes_on_the_procedures_in_workflows(motcua):
    result = motcua("workflows", "check")

    assert result.returncode == 0, result.stdout + result.stderr
    ok_lines = [line for line in result.stdout.splitlines() if line.startswith("ok ")]
    assert [line.split()[1].rstrip(":") for line in ok_lines] == PROCEDURE_FOLDERS


def test_workflows_check_on_a_broken_copy_names_the_file_line_and_element(motcua, tmp_path):
    folder = tmp_path / "birth_registration"
    shutil.copytree(WORKFLOWS_DIR / "birth_registration", folder)
    bpmn = folder / "birth_registration.bpmn"
    lines = bpmn.read_text(encoding="utf-8").splitlines(keepends=True)
    review_line = next(n for n, line in enumerate(lines, 1) if 'userTask id="review"' in line)
    bpmn.write_text("".join(line for line in lines
                            if 'name="form" value="birth_registration/review"' not in line),
                    encoding="utf-8")

    result = motcua("workflows", "check", str(folder))

    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert f"file {bpmn}" in output
    assert f"line {review_line}" in output
    assert "element review" in output
    assert "'form' property" in output


def test_user_add_reads_the_password_from_stdin_and_still_prints_the_token_last(
        motcua, initialised, database_url):
    result = motcua("user", "add", "alice", "--role", "officer", "--department", "OFFICE",
                    "--password-stdin", stdin="mật-khẩu-của-alice\n")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("mc_")
    assert _signs_in(database_url, "alice", "mật-khẩu-của-alice")
    assert not _signs_in(database_url, "alice", "mật-khẩu-của-alice\n")


def test_user_add_with_a_short_password_fails_and_creates_no_one(
        motcua, initialised, database_file):
    result = motcua("user", "add", "alice", "--role", "designer", "--password-stdin",
                    stdin="ngắn\n")

    assert result.returncode == 1
    assert "at least 10 characters" in result.stderr
    assert _rows(database_file, "SELECT count(*) FROM users") == [(0,)]


def test_passwd_sets_a_new_password_from_stdin(motcua, initialised, database_url,
                                               database_file):
    motcua("user", "add", "alice", "--role", "designer", "--password-stdin",
           stdin="mật-khẩu-đầu-tiên\n")

    short = motcua("user", "passwd", "alice", stdin="ngắn\n")
    result = motcua("user", "passwd", "alice", stdin="mật-khẩu-thứ-hai\n")

    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    assert result.returncode == 0, result.stderr
    assert "Set the password of alice." in result.stdout
    assert not _signs_in(database_url, "alice", "mật-khẩu-đầu-tiên")
    assert _signs_in(database_url, "alice", "mật-khẩu-thứ-hai")
    assert _rows(database_file, "SELECT actor FROM audit_events WHERE action = "
                                "'user.password_set'") == [("cli",)]


def test_demo_users_sign_in_with_the_demo_password_saved_beside_their_tokens(
        motcua, database_url, demo_tokens_file):
    result = motcua("init")

    assert result.returncode == 0, result.stderr
    assert f"DEMO_PASSWORD={DEMO_PASSWORD}" in demo_tokens_file.read_text(encoding="utf-8")
    assert _signs_in(database_url, "reception", DEMO_PASSWORD)
