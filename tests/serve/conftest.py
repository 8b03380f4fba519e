"""Fixtures of the shipped-server tests: a fresh database, its staff, `motcua serve` on it.

The processes are those of tests/faults (same harness, same deadlines); the database is a
fresh SQLite file or a fresh PostgreSQL database.
"""

import contextlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.models import AuditEvent
from tests.faults.checks import inspect_database
from tests.faults.conftest import pytest_runtest_makereport  # noqa: F401 - logs of failures
from tests.faults.harness import (
    PG_URL,
    TEST_SECONDS,
    Deadline,
    FaultDatabase,
    Processes,
    init_database,
)


@dataclass(frozen=True)
class SqliteFile:
    """A fresh SQLite database file, the database `motcua serve` uses out of the box."""

    path: Path

    @property
    def url(self) -> str:
        """Return the URL `motcua` reads from MOTCUA_DATABASE_URL."""
        return f"sqlite:///{self.path}"

    @property
    def sqlalchemy_url(self) -> str:
        """Return the URL for create_app."""
        return self.url

    def drop(self) -> None:
        """Leave the file to pytest's tmp_path clean-up."""


def _fresh_database(kind: str, tmp_path: Path):
    if kind == "sqlite":
        return SqliteFile(tmp_path / "motcua.db")
    if not PG_URL:
        pytest.skip("set MOTCUA_TEST_DATABASE_URL to also run the shipped server on PostgreSQL")
    return FaultDatabase.create(PG_URL, prefix="motcua_serve")


@pytest.fixture(params=["sqlite", "postgresql"])
def each_database(request, tmp_path):
    """A fresh database set up by `motcua init --no-demo`: SQLite, then PostgreSQL."""
    database = _fresh_database(request.param, tmp_path)
    try:
        init_database(database, tmp_path / "init.log")
        yield database
    finally:
        database.drop()


@pytest.fixture
def one_database(tmp_path):
    """A fresh database set up by `motcua init --no-demo`: PostgreSQL when configured."""
    database = _fresh_database("postgresql" if PG_URL else "sqlite", tmp_path)
    try:
        init_database(database, tmp_path / "init.log")
        yield database
    finally:
        database.drop()


@pytest.fixture
def deadline():
    """The moment the test gives up, whatever it waits for."""
    return Deadline(TEST_SECONDS)


@pytest.fixture
def shipped(request, tmp_path, deadline):
    """Start `motcua serve` on a database (the test's own fixture); stopped at the end."""
    started = []

    def start(database) -> Processes:
        processes = Processes(database, tmp_path, deadline)
        request.node.fault_processes = processes
        started.append(processes)
        return processes

    yield start
    for processes in started:
        processes.stop_all()


def unsealed_events(database) -> int:
    """Return how many audit events wait for the scheduler to seal them (any backend)."""
    with inspect_database(database) as db:
        return db.session.scalar(select(func.count()).where(AuditEvent.seq.is_(None)))


def audit_events(database) -> int:
    """Return how many audit events were written."""
    with inspect_database(database) as db:
        return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def cleanup():
    """Callbacks run when the test ends (clients closed)."""
    with contextlib.ExitStack() as stack:
        yield stack
