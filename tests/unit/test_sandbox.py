"""The server reads what a sandbox answers as bounded, tagged JSON: never code, never unbounded."""

import pickle
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from engine import storable
from engine.sandbox import MAX_ANSWER_BYTES, Overrun, SandboxStopped, _Child


class _Evil:
    def __reduce__(self):
        return (print, ("a pickled answer ran code in the server",))


def _impostor(answer: bytes) -> _Child:
    """A 'sandbox' that writes these bytes, as a compromised one could."""
    child = object.__new__(_Child)
    child.process = subprocess.Popen(
        [sys.executable, "-c", f"import sys; sys.stdout.buffer.write({answer!r})"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    return child


def test_an_answer_announcing_more_than_the_bound_is_refused_unread():
    child = _impostor((MAX_ANSWER_BYTES + 1).to_bytes(4, "big") + b"x" * 100)

    too_long = f"an answer of {MAX_ANSWER_BYTES + 1} bytes"

    with pytest.raises(SandboxStopped, match=too_long) as raised:
        child._read_frame(time.monotonic() + 30)

    assert raised.value.overrun == Overrun.DIED
    assert child.process.returncode is not None


def test_a_pickled_answer_is_not_unpickled():
    with pytest.raises(ValueError):
        storable.decode(pickle.dumps(_Evil()))


def test_storable_values_come_back_as_they_went():
    value = {"day": date(2025, 1, 2), "at": datetime(2025, 1, 2, 9, tzinfo=UTC),
             "span": timedelta(days=1, microseconds=5), "fee": Decimal("1.50"),
             "id": UUID(int=7), "$weird": ["$t", {"$t": None}], "n": [None, True, 2, 2.5, "é"]}

    assert storable.decode(storable.encode(value, str)) == value


def test_an_unknown_type_tag_is_malformed():
    with pytest.raises(ValueError, match="unknown type tag"):
        storable.decode('{"$t": "module", "v": "os"}')
