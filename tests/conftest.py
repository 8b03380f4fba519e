"""Fixtures: a migrated database per backend, a fresh app per test, a live HTTP server, users."""

import copy
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import httpx
import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, inspect, select, text
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from api import create_app
from api.config import database_url
from api.extensions import db
from engine import audit
from engine.accounts import create_user
from engine.models import (
    AuditChainHead,
    AuditEvent,
    CalendarOverrideRow,
    DeadlineExtension,
    Document,
    Dossier,
    DossierClockChange,
    DossierSequence,
    DossierStatusChange,
    FormSchema,
    HeldTransfer,
    HumanTask,
    IdempotencyKey,
    Incident,
    Notification,
    OnlineSubmission,
    Payment,
    PersonalDataRead,
    Procedure,
    ProcedureVersion,
    RateLimitCounter,
    StepTimingRollup,
    User,
    WebSession,
    WorkflowSpec,
)
from engine.procedures import load_procedures, publish_procedures
from tests.scratch_database import ScratchDatabase

PG_URL = os.environ.get("MOTCUA_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]
DATA_TABLES = (HeldTransfer, Payment, RateLimitCounter, StepTimingRollup, AuditEvent,
               AuditChainHead, Incident, Notification, PersonalDataRead, DeadlineExtension,
               Document, HumanTask, DossierStatusChange, DossierClockChange, IdempotencyKey,
               OnlineSubmission, Dossier, DossierSequence, CalendarOverrideRow, WebSession, User)
T = TypeVar("T")
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hà Nội
SECRET_KEY = "test-secret-key"
# Counts every public lookup, refused or not, on purpose: "nothing changed" leaves it out.
COUNTERS_TABLE = RateLimitCounter.__tablename__


def pytest_collection_modifyitems(config, items):
    """Mark tests that need PostgreSQL; run `one_backend` tests on PostgreSQL alone if set."""
    for item in items:
        if "pg_only" in item.fixturenames:
            item.add_marker(pytest.mark.postgresql)
    if PG_URL:
        twice = [item for item in items if item.get_closest_marker("one_backend")
                 and getattr(item, "callspec", None)
                 and item.callspec.params.get("backend") == "sqlite"]
        config.hook.pytest_deselected(items=twice)
        items[:] = [item for item in items if item not in twice]


def pytest_configure(config):
    config.addinivalue_line("markers", "postgresql: runs only against PostgreSQL")
    config.addinivalue_line("markers", "one_backend: slow; runs once, on PostgreSQL when "
                                       "MOTCUA_TEST_DATABASE_URL is set, else on SQLite")


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request):
    """Each test runs on SQLite and, when MOTCUA_TEST_DATABASE_URL is set, on PostgreSQL."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("set MOTCUA_TEST_DATABASE_URL to also run on PostgreSQL")
    return request.param


@pytest.fixture(scope="session")
def database(backend, tmp_path_factory):
    """Create a fresh, migrated database with the procedures of workflows/ published."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'motcua.db'}"
        drop = None
    else:
        scratch = ScratchDatabase.create(database_url(PG_URL), prefix="motcua_test")
        url, drop = scratch.sqlalchemy_url, scratch.drop
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MOTCUA_SECRET_KEY": SECRET_KEY})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        ctx = app.extensions["motcua"]
        departments, definitions = load_procedures(forms=ctx.forms)
        publish_procedures(db.session, departments=departments, definitions=definitions, now=NOW)
        db.session.remove()
        db.engine.dispose()
    yield url
    if drop:
        drop()


@pytest.fixture
def app(database, tmp_path):
    """A fresh application on the shared database, emptied of dossiers, steps and users.

    Its documents (leaders' results among them) and PKI directory are the test's own.
    """
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "TESTING": True,
                      "MOTCUA_SECRET_KEY": SECRET_KEY,
                      "MOTCUA_DOCUMENTS_DIR": str(tmp_path / "documents"),
                      "MOTCUA_PKI_DIR": str(tmp_path / "pki")})
    with app.app_context():
        for table in DATA_TABLES:
            db.session.execute(delete(table))
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(app):
    """The app's database session."""
    return db.session


@pytest.fixture
def pg_only(backend):
    """Skip unless the test runs on PostgreSQL, where concurrency is proven."""
    if backend != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL")


@dataclass
class Staff:
    """A user created for a test, with their token."""

    id: int
    username: str
    token: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}


STAFF = {
    "reception": ("receptionist", "RECEPTION"),
    "reception2": ("receptionist", "RECEPTION"),
    "office": ("officer", "OFFICE"),
    "office2": ("officer", "OFFICE"),
    "office_head": ("head", "OFFICE"),
    "economic": ("officer", "ECONOMIC"),
    "economic_head": ("head", "ECONOMIC"),
    "culture": ("officer", "CULTURE_SOCIAL"),
    "culture_head": ("head", "CULTURE_SOCIAL"),
    "leader": ("leader", "LEADERSHIP"),
    "land": ("officer", "LAND_BRANCH"),
    "supervisor": ("supervisor", None),
    "designer": ("designer", None),
    "admin": ("admin", None),
}


@pytest.fixture
def staff(app) -> dict[str, Staff]:
    """One user per role and department, keyed by a short name."""
    people = {}
    for username, (role, department) in STAFF.items():
        user, token = create_user(db.session, username=username, role=role,
                                  department_code=department, now=NOW)
        people[username] = Staff(user.id, username, token)
    return people


@pytest.fixture
def live_server(app):
    """Serve the app over real HTTP on a loopback port, threaded, for the test's duration."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def http(live_server):
    """An HTTP client for the live server."""
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client


def in_two_sessions_at_once(work: Callable[[Session], T]) -> list[T]:
    """Run `work` in two threads at once, each with its own session; raise what either raised."""
    engine = db.engine
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(_in_own_session, engine, work) for _ in range(2)]
        return [future.result(timeout=60) for future in futures]


def _in_own_session(engine, work):
    with Session(engine) as own:
        return work(own)


def sealed_chain(session) -> audit.ChainReport:
    """Seal every written event, as the worker does within a second, and verify the chain."""
    audit.seal(session)
    report = audit.verify_chain(session)
    assert report.unsealed == 0, f"{report.unsealed} events were left unsealed"
    return report


def snapshot(session) -> dict:
    """Return every row of every table, to prove that a refused request changed nothing."""
    session.expire_all()
    tables = {}
    conn = session.connection()
    for name in sorted(inspect(conn).get_table_names()):
        if name in ("alembic_version", COUNTERS_TABLE):
            continue
        rows = conn.execute(text(f'SELECT * FROM "{name}"')).all()
        tables[name] = sorted(map(repr, rows))
    session.commit()
    return tables


@pytest.fixture
def versions_restored(session):
    """Put procedures back as workflows/ published them: the database outlives the test."""
    versions = {v.id: (v.state, v.published_at, v.retired_at)
                for v in session.scalars(select(ProcedureVersion))}
    procedures = {p.code: (p.spec_hash, copy.deepcopy(p.meta), p.updated_at)
                  for p in session.scalars(select(Procedure))}
    specs = set(session.scalars(select(WorkflowSpec.hash)))
    forms = set(session.scalars(select(FormSchema.key)))
    session.commit()
    yield
    session.rollback()
    for table in DATA_TABLES:
        session.execute(delete(table))
    session.execute(delete(ProcedureVersion).where(ProcedureVersion.id.not_in(versions)))
    for version in session.scalars(select(ProcedureVersion)):
        version.state, version.published_at, version.retired_at = versions[version.id]
    # Procedures a test created (from a pattern, from a catalogue) go with their versions.
    session.execute(delete(ProcedureVersion).where(
        ProcedureVersion.procedure_code.not_in(procedures)))
    session.execute(delete(Procedure).where(Procedure.code.not_in(procedures)))
    for procedure in session.scalars(select(Procedure)):
        procedure.spec_hash, procedure.meta, procedure.updated_at = procedures[procedure.code]
    session.flush()
    session.execute(delete(FormSchema).where(FormSchema.key.not_in(forms)))
    session.execute(delete(WorkflowSpec).where(WorkflowSpec.hash.not_in(specs)))
    session.commit()
