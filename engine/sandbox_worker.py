"""A sandbox process: run designers' expressions and scripts under OS limits, answer in JSON.

Started by engine.sandbox as `python -m engine.sandbox_worker`. It reads pickled requests
from stdin (the server is trusted) and writes tagged JSON answers (engine.storable) to
stdout (the server trusts no answer's content). Before each call it lets itself use only
the call's CPU seconds (RLIMIT_CPU: the kernel kills it with SIGXCPU past them) and memory
(RLIMIT_AS: allocations past it raise MemoryError). It ends at the end of its input, so it
never outlives the server.
"""

import math
import os
import pickle
import resource
import signal
import struct
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from engine import scripting, storable
from engine.calendar import WorkingCalendar
from engine.timing import EngineClock, engine_clock

HEADER = struct.Struct("!I")
READY = b"ready"
# Tells the child to keep the calendar it already holds.
SAME_CALENDAR = "same"


@dataclass(frozen=True)
class Call:
    """One expression or script to run, with what its helpers may read."""

    kind: str  # "expression" or "script"
    source: str
    context: dict
    external_context: dict
    cpu_seconds: float
    memory_bytes: int
    helpers: Mapping[str, Callable] | None  # None: those of the previous call
    now: datetime | None = None  # None: no engine clock is bound
    appointment_at: datetime | None = None
    calendar: WorkingCalendar | str | None = None


def write_frame(stream: BinaryIO, payload: bytes) -> None:
    """Write one length-prefixed message."""
    stream.write(HEADER.pack(len(payload)) + payload)
    stream.flush()


def _read_frame(stream: BinaryIO) -> bytes | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None
    return stream.read(HEADER.unpack(header)[0])


class _Worker:
    """What the child keeps between calls: the helpers and the calendar last sent."""

    def __init__(self):
        self.helpers: Mapping[str, Callable] = {}
        self.calendar: WorkingCalendar | None = None

    def answer(self, call: Call) -> str:
        if call.helpers is not None:
            self.helpers = call.helpers
        if call.calendar is not None and call.calendar != SAME_CALENDAR:
            self.calendar = call.calendar
        usage = resource.getrusage(resource.RUSAGE_SELF)
        # RLIMIT_CPU counts the process's whole life, in whole seconds: raise it for this call.
        _limit(resource.RLIMIT_CPU,
               math.ceil(usage.ru_utime + usage.ru_stime + call.cpu_seconds))
        _limit(resource.RLIMIT_AS, call.memory_bytes)
        try:
            if call.now is None:
                return self._run(call)
            with engine_clock(EngineClock(call.now, self.calendar, call.appointment_at)):
                return self._run(call)
        except MemoryError:
            return '{"error":{"type":"MemoryError","message":"","line":0}}'
        except Exception as error:  # noqa: BLE001 - the designer's error goes to the server
            return storable.encode({"error": {"type": type(error).__name__,
                                              "message": str(error)[:2000],
                                              "line": _script_line(error)}}, str)

    def _run(self, call: Call) -> str:
        if call.kind == "expression":
            value = scripting.evaluate(call.source, call.context, call.external_context,
                                       self.helpers)
            return '{"value":' + storable.encode(value, _describe_value) + "}"
        data = scripting.execute(call.source, call.context, call.external_context, self.helpers)
        return '{"data":' + storable.encode(data, _describe_variable) + "}"


def _limit(kind: int, soft: int) -> None:
    """Set the soft limit, within the hard limit the server was started with (ulimit)."""
    _, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _describe_value(path: str) -> str:
    return "the expression's value" + (f" at {path}" if path else "")


def _describe_variable(path: str) -> str:
    return f"task data variable '{path}'"


def _script_line(error: BaseException) -> int:
    lines = [line for frame, line in traceback.walk_tb(error.__traceback__)
             if frame.f_code.co_filename == scripting.FILENAME]
    return lines[-1] if lines else 0


def main() -> None:
    """Answer calls until the server closes the pipe."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Ctrl-C reaches the whole process group; the server ends its children by closing the pipe.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests = sys.stdin.buffer
    # Answers get a private descriptor: nothing printed by accident can corrupt them.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    worker = _Worker()
    write_frame(answers, READY)
    while (frame := _read_frame(requests)) is not None:
        call = pickle.loads(frame)
        write_frame(answers, worker.answer(call).encode("ascii"))


if __name__ == "__main__":
    main()
