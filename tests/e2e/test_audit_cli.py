"""`motcua audit verify` walks the audit chain and fails naming the first altered event."""

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

MOTCUA = Path(sys.executable).with_name("motcua")


@pytest.fixture
def database_file(tmp_path) -> Path:
    return tmp_path / "audit.db"


@pytest.fixture
def motcua(tmp_path, database_file):
    """Run the installed console script against the test's own SQLite file."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MOTCUA_", "FLASK_"))}
    env["MOTCUA_DATABASE_URL"] = f"sqlite:///{database_file}"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(MOTCUA), *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, check=False)

    return run


def add_users(motcua, *usernames: str) -> None:
    for username in usernames:
        result = motcua("user", "add", username, "--role", "officer", "--department", "OFFICE")
        assert result.returncode == 0, result.stderr


@pytest.fixture
def three_users(motcua, database_file) -> Path:
    """A database whose chain holds three sealed user.created events."""
    assert motcua("init", "--no-demo").returncode == 0
    add_users(motcua, "alice", "bob", "carol")
    sealed = motcua("audit", "seal")
    assert (sealed.returncode, sealed.stdout.strip()) == (0, "Sealed 3 audit events.")
    return database_file


def _execute(database_file: Path, sql: str, *params) -> None:
    with closing(sqlite3.connect(database_file)) as conn, conn:
        conn.execute(sql, params)


def test_verify_on_an_untouched_chain_reports_it_intact(motcua, three_users):
    result = motcua("audit", "verify")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Audit chain intact: 3 events."


def test_verify_counts_the_events_not_sealed_yet_and_seal_chains_them(motcua, three_users):
    add_users(motcua, "dave", "erin")

    before = motcua("audit", "verify")
    sealed = motcua("audit", "seal")
    after = motcua("audit", "verify")

    assert before.returncode == 0, before.stderr
    assert before.stdout.splitlines() == [
        "Audit chain intact: 3 events.",
        "2 newer events are not sealed yet: the worker seals them within seconds, or run "
        "`motcua audit seal`."]
    assert sealed.stdout.strip() == "Sealed 2 audit events."
    assert after.stdout.strip() == "Audit chain intact: 5 events."


def test_verify_says_no_worker_runs_when_events_wait_for_minutes(motcua, three_users):
    add_users(motcua, "dave")
    _execute(three_users, "UPDATE audit_events SET occurred_at = datetime('now', '-125 minutes') "
             "WHERE seq IS NULL")

    result = motcua("audit", "verify")

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Audit chain intact: 3 events.",
        "1 events are not sealed yet, the oldest written 125 min ago: no worker seems to run. "
        "Start `motcua worker` (or `motcua serve` without --no-scheduler), or run `motcua "
        "audit seal`."]


def test_verify_on_an_empty_chain_reports_it_intact(motcua):
    assert motcua("init", "--no-demo").returncode == 0

    result = motcua("audit", "verify")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Audit chain intact: 0 events."


def test_verify_fails_naming_the_event_whose_content_was_changed(motcua, three_users):
    _execute(three_users, "UPDATE audit_events SET after = ? WHERE seq = 2",
             json.dumps({"username": "mallory", "role": "admin", "department": None}))

    result = motcua("audit", "verify")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Audit chain BROKEN at event 2: content changed after it was written")
    assert "intact" not in result.stdout


def test_verify_fails_naming_an_event_removed_from_the_middle(motcua, three_users):
    _execute(three_users, "DELETE FROM audit_events WHERE seq = 2")

    result = motcua("audit", "verify")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Audit chain BROKEN at event 2: event missing: the chain skips it")


def test_verify_fails_when_the_last_event_was_removed(motcua, three_users):
    _execute(three_users, "DELETE FROM audit_events WHERE seq = 3")

    result = motcua("audit", "verify")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Audit chain BROKEN at event 3: events at the end of the chain were removed")
