"""Keep a child process running beside the gunicorn master: restart it, stop it with the server.

The child is started by fork+exec (subprocess), never by a bare fork, so it shares no
half-imported module or held lock with the master. Everything here runs on the master's
one thread, from its main loop: no thread is ever started in a process that forks.
"""

import logging
import signal
import subprocess
import sys
import time
from collections.abc import Callable

# A child that dies sooner than this after starting is restarted after a doubled pause.
STEADY_AFTER = 60.0
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0


class SupervisedProcess:
    """One child process, restarted after a short pause whenever it ends unasked."""

    def __init__(self, name: str, command: list[str], *, log: logging.Logger,
                 stop_timeout: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.command = command
        self.log = log
        self.stop_timeout = stop_timeout
        self.clock = clock
        self.process: subprocess.Popen | None = None
        self._started_at = 0.0
        self._pause = 0.0
        self._restart_at: float | None = None
        self._stopping = False

    def start(self) -> None:
        """Start the child; its output goes where the master's goes."""
        self.process = subprocess.Popen(self.command)
        self._started_at = self.clock()
        self._restart_at = None
        self.log.info("Started the %s (pid:%s)", self.name, self.process.pid)

    def reap(self) -> None:
        """Collect the child if it ended, and plan its restart unless the server is stopping."""
        if self.process is None or self.process.poll() is None:
            return
        code, pid, self.process = self.process.returncode, self.process.pid, None
        if self._stopping:
            return
        lived = self.clock() - self._started_at
        steady = lived >= STEADY_AFTER or not self._pause
        self._pause = FIRST_PAUSE if steady else min(self._pause * 2, LONGEST_PAUSE)
        self._restart_at = self.clock() + self._pause
        self.log.error("The %s (pid:%s) ended unexpectedly (%s); restarting it in %g s",
                       self.name, pid, _describe(code), self._pause)

    def keep_running(self) -> None:
        """Restart the child once its pause is over."""
        self.reap()
        if (not self._stopping and self.process is None and self._restart_at is not None
                and self.clock() >= self._restart_at):
            self.start()

    def terminate(self) -> None:
        """Ask the child to stop (SIGTERM) and never restart it."""
        self._stopping = True
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        """Stop the child: SIGTERM, wait up to `stop_timeout`, then SIGKILL."""
        self.terminate()
        if self.process is None:
            return
        try:
            self.process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.log.error("The %s (pid:%s) did not stop within %g s; killing it",
                           self.name, self.process.pid, self.stop_timeout)
            self.process.kill()
            self.process.wait()
        self.log.info("Stopped the %s", self.name)
        self.process = None


def _describe(code: int) -> str:
    if code < 0:
        return f"signal {signal.Signals(-code).name}"
    # When gunicorn's reaping collected the child first its status is lost: Popen says 0.
    return f"exit code {code}" if code else "exit code 0 or unknown"


def motcua_command(*arguments: str) -> list[str]:
    """Return the command line that runs `motcua <arguments>` with this interpreter."""
    return [sys.executable, "-m", "api", *arguments]
