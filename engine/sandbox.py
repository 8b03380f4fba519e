"""The sandbox processes of a server process: started on demand, replaced when they overrun.

Each child is a fresh interpreter (`python -m engine.sandbox_worker`, spawned, never forked
from a threaded server) that serves one call at a time. A caller takes an idle child or
starts one, so the pool grows to the number of threads that run workflows at once and no
call waits for another. A child that overruns the wall clock is killed (SIGKILL); one that
overruns its CPU seconds is killed by the kernel; either is replaced on the next call.
Its answer is read as at most MAX_ANSWER_BYTES of JSON, never unpickled.
"""

import atexit
import dataclasses
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from enum import StrEnum
from pathlib import Path

from engine import storable
from engine.sandbox_worker import HEADER, READY, SAME_CALENDAR, Call

# An answer carries at most a step's data (the child refuses more) and the JSON around it.
MAX_ANSWER_BYTES = storable.MAX_STEP_BYTES + 64 * 1024
# RLIMIT_CPU counts whole seconds, and a busy machine gives a child less than a core:
# the wall clock allows this much more than the CPU limit before the server kills a call.
WALL_GRACE_SECONDS = 3.0
START_SECONDS = 60.0


class Overrun(StrEnum):
    """Why a sandbox process was stopped."""

    CPU = "cpu"
    WALL_CLOCK = "wall clock"
    MEMORY = "memory"
    DIED = "died"


class SandboxStopped(Exception):
    """The sandbox process running a call overran a limit or died, and was discarded."""

    def __init__(self, overrun: Overrun, detail: str = ""):
        super().__init__(f"sandbox process stopped: {overrun.value} {detail}".strip())
        self.overrun = overrun


class _Child:
    """One sandbox process and what it already holds."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "engine.sandbox_worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, bufsize=0, env=_child_environment())
        self.helpers = None
        self.calendar = None
        if self._read_frame(time.monotonic() + START_SECONDS) != READY:
            self.kill()
            raise SandboxStopped(Overrun.DIED, "while starting")

    def call(self, call: Call, wall_seconds: float) -> bytes:
        payload = pickle.dumps(call, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_all(self.process.stdin.fileno(), HEADER.pack(len(payload)) + payload)
        except BrokenPipeError:
            raise self._stopped() from None
        return self._read_frame(time.monotonic() + wall_seconds)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.close_pipes()

    def close_pipes(self) -> None:
        self.process.stdin.close()
        self.process.stdout.close()

    def _read_frame(self, deadline: float) -> bytes:
        size = HEADER.unpack(self._read(HEADER.size, deadline))[0]
        if size > MAX_ANSWER_BYTES:
            self.kill()
            raise SandboxStopped(Overrun.DIED, f"after announcing an answer of {size} bytes")
        return self._read(size, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        fd = self.process.stdout.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        chunks, got = [], 0
        while got < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                self.kill()
                raise SandboxStopped(Overrun.WALL_CLOCK)
            chunk = os.read(fd, size - got)
            if not chunk:
                raise self._stopped()
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _stopped(self) -> SandboxStopped:
        self.kill()
        if self.process.returncode == -signal.SIGXCPU:
            return SandboxStopped(Overrun.CPU)
        return SandboxStopped(Overrun.DIED, f"with exit status {self.process.returncode}")


class SandboxPool:
    """The sandbox processes of one server process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: list[_Child] = []
        self._children: set[_Child] = set()

    def run(self, call: Call, wall_seconds: float) -> dict:
        """Run the call in an idle child (or a new one) and return its decoded answer."""
        child = self._take()
        try:
            text = child.call(self._without_what_child_holds(call, child), wall_seconds)
            answer = storable.decode(text)
            if not isinstance(answer, dict):
                raise ValueError("the answer is not a JSON object")
        except SandboxStopped:
            self._discard(child)
            raise
        except ValueError as error:  # not JSON: the child cannot be trusted any more
            child.kill()
            self._discard(child)
            raise SandboxStopped(Overrun.DIED, f"after a malformed answer ({error})") from None
        except BaseException:  # e.g. unpicklable data, an interrupt: the exchange is unsure
            child.kill()
            self._discard(child)
            raise
        error = answer.get("error")
        if isinstance(error, dict) and error.get("type") == "MemoryError":
            child.kill()
            self._discard(child)
            raise SandboxStopped(Overrun.MEMORY)
        child.helpers = call.helpers
        if call.calendar is not None:
            child.calendar = call.calendar
        with self._lock:
            self._idle.append(child)
        return answer

    def cpu_seconds(self) -> float:
        """Return the CPU time the live children used so far (Linux), for benchmarks."""
        with self._lock:
            pids = [child.process.pid for child in self._children]
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def close(self) -> None:
        """Stop every child."""
        with self._lock:
            children, self._children, self._idle = self._children, set(), []
        for child in children:
            child.kill()

    def forget(self) -> None:
        """Let go of the children of the process this one was forked from, leaving them alone."""
        for child in self._children:
            child.close_pipes()

    def _take(self) -> _Child:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        child = _Child()
        with self._lock:
            self._children.add(child)
        return child

    def _discard(self, child: _Child) -> None:
        with self._lock:
            self._children.discard(child)

    @staticmethod
    def _without_what_child_holds(call: Call, child: _Child) -> Call:
        same_helpers = child.helpers == call.helpers
        same_calendar = call.calendar is not None and child.calendar is call.calendar
        if not same_helpers and not same_calendar:
            return call
        return dataclasses.replace(call, helpers=None if same_helpers else call.helpers,
                                   calendar=SAME_CALENDAR if same_calendar else call.calendar)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _child_environment() -> dict:
    """Return the child's environment: where to import from, and no secret of the server's."""
    return {"PATH": os.environ.get("PATH", os.defpath), "LANG": "C.UTF-8",
            # The child imports what this process imports: engine, and helpers' modules.
            "PYTHONPATH": os.pathsep.join(path for path in sys.path if path)}


_pools: dict[int, SandboxPool] = {}
_pools_lock = threading.Lock()
# Pools inherited through fork stay referenced so their processes are never waited for here.
_inherited: list[SandboxPool] = []


def sandbox_pool() -> SandboxPool:
    """Return this process's pool; a forked process gets its own, never its parent's."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        with _pools_lock:
            pool = _pools.setdefault(pid, SandboxPool())
    return pool


def _after_fork_in_child() -> None:
    global _pools_lock
    _pools_lock = threading.Lock()
    for pool in _pools.values():
        pool.forget()
        _inherited.append(pool)
    _pools.clear()


def _close_own_pool() -> None:
    pool = _pools.get(os.getpid())
    if pool is not None:
        pool.close()


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(_close_own_pool)
