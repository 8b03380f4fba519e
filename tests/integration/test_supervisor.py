"""The process motcua serve supervises: restarted after a growing pause, stopped for sure."""

import logging
import sys
from pathlib import Path

import pytest

from api.supervisor import SupervisedProcess
from tests.faults.harness import wait_for

LOG = logging.getLogger("tests.supervisor")
DIES = [sys.executable, "-c", "raise SystemExit(3)"]


def stubborn(ready: Path) -> list[str]:
    """Return a command that ignores SIGTERM, creates `ready`, then waits to be killed."""
    return [sys.executable, "-c", "import pathlib, signal, sys, time; "
            "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            f"pathlib.Path({str(ready)!r}).touch(); time.sleep(60)"]


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def test_a_child_that_keeps_dying_is_restarted_after_a_doubling_pause(clock, caplog):
    child = SupervisedProcess("test child", DIES, log=LOG, clock=clock)
    caplog.set_level(logging.INFO, logger=LOG.name)
    child.start()
    first = child.process.pid
    child.process.wait(timeout=30)

    child.keep_running()
    clock.now += 0.9
    child.keep_running()
    held_back = child.process
    clock.now += 0.1
    child.keep_running()
    second = child.process
    second.wait(timeout=30)
    child.keep_running()
    clock.now += 1.0
    child.keep_running()
    still_held_back = child.process
    child.stop()

    assert held_back is None and still_held_back is None
    assert second is not None and second.pid != first
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert errors == [
        f"The test child (pid:{first}) ended unexpectedly (exit code 3); restarting it in 1 s",
        f"The test child (pid:{second.pid}) ended unexpectedly (exit code 3); "
        "restarting it in 2 s"]


def test_a_child_that_ignores_sigterm_is_killed_after_the_stop_timeout(
        clock, caplog, tmp_path):
    ready = tmp_path / "ready"
    child = SupervisedProcess("test child", stubborn(ready), log=LOG, stop_timeout=0.5,
                              clock=clock)
    caplog.set_level(logging.INFO, logger=LOG.name)
    child.start()
    process = child.process
    wait_for(ready.exists, timeout=30, what="the child to ignore SIGTERM")

    child.stop()
    child.keep_running()

    assert process.returncode == -9
    assert child.process is None  # stopped for good: never restarted
    assert any("did not stop within 0.5 s; killing it" in r.getMessage()
               for r in caplog.records)
