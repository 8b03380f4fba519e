"""Fixtures of the fault tests: a fresh database per module, its staff, the processes."""

import contextlib

import pytest

from tests.faults.harness import (
    OBSERVATIONS,
    PG_URL,
    TEST_SECONDS,
    Deadline,
    FaultDatabase,
    Processes,
    create_staff,
    init_database,
)


@pytest.fixture(scope="module")
def fault_database(tmp_path_factory):
    """A fresh PostgreSQL database set up by `motcua init --no-demo`, dropped afterwards."""
    if not PG_URL:
        pytest.skip("set MOTCUA_TEST_DATABASE_URL to run the fault tests")
    database = FaultDatabase.create(PG_URL)
    try:
        init_database(database, tmp_path_factory.mktemp("faults") / "init.log")
        yield database
    finally:
        database.drop()


@pytest.fixture(scope="module")
def fault_staff(fault_database):
    """Receptionists, economic officers and heads, a supervisor and a designer, with tokens."""
    return create_staff(fault_database)


@pytest.fixture
def deadline():
    """The moment the test gives up, whatever it waits for."""
    return Deadline(TEST_SECONDS)


@pytest.fixture
def processes(request, fault_database, fault_staff, tmp_path, deadline):
    """Start servers and schedulers; every one is killed when the test ends, even on failure."""
    started = Processes(fault_database, tmp_path, deadline)
    request.node.fault_processes = started
    yield started
    started.stop_all()


@pytest.fixture
def cleanup():
    """Callbacks run when the test ends (clients closed, held locks released)."""
    with contextlib.ExitStack() as stack:
        yield stack


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Attach the processes' logs to a failed test's report."""
    report = yield
    started = getattr(item, "fault_processes", None)
    if report.failed and started is not None and started.started:
        report.sections.append(("motcua processes (log tails)", started.logs()))
    return report


def pytest_terminal_summary(terminalreporter):
    """Print what the fault tests observed without failing."""
    if OBSERVATIONS:
        terminalreporter.section("fault tests: observations")
        for line in OBSERVATIONS:
            terminalreporter.write_line(line)
