"""Encode task data as tagged JSON under a size budget, and decode it without running code.

Scripts run in sandbox processes, whose answers the server must not trust: they come back
as JSON text whose dates, decimals and UUIDs carry a type tag, and a sandbox refuses to
encode more than a step may store (sharing and self-reference included: `[big] * 200` is
counted 200 times, a list that contains itself is refused).
"""

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

# A step's task data as stored. Real forms carry a few KB; the dossier's workflow state
# keeps a copy per task, so one step's data must stay a small share of MAX_STATE_BYTES.
MAX_STEP_BYTES = 1024 * 1024
# Values (scalars, lists, dicts) in one step's data, and how deeply they may nest.
MAX_NODES = 100_000
MAX_DEPTH = 64

_MEGABYTES = MAX_STEP_BYTES // (1024 * 1024)
_TAG = "$t"
_STORABLE = ("None, bool, numbers, str, list, dict, date, datetime, timedelta, Decimal or UUID")


class NotStorable(Exception):
    """A value a step may not store: of a foreign type, too large, too deep or circular."""


def encode(value: Any, describe: Callable[[str], str]) -> str:
    """Return the value as tagged JSON; `describe(path)` names a part of it in errors."""
    encoder = _Encoder(describe)
    encoder.add(value, "", 0)
    return "".join(encoder.chunks)


def decode(text: str | bytes) -> Any:
    """Return the value encoded by `encode`; raise ValueError if it is not such a value."""
    try:
        return json.loads(text, object_hook=_untag)
    except (KeyError, TypeError, IndexError) as error:
        raise ValueError(f"malformed tagged value: {error!r}") from None


class _Encoder:
    """One encoding: the chunks written so far and what is left of the budget."""

    def __init__(self, describe: Callable[[str], str]):
        self._describe = describe
        self.chunks: list[str] = []
        self.bytes_left = MAX_STEP_BYTES
        self.nodes_left = MAX_NODES
        self.open: set[int] = set()

    def add(self, value: Any, path: str, depth: int) -> None:
        self.nodes_left -= 1
        if self.nodes_left < 0:
            self._too_large(path, f"more than {MAX_NODES:,} values")
        if value is None or isinstance(value, bool | float):
            self._write(json.dumps(value), path)
        elif isinstance(value, int):
            self._write(self._integer(value, path), path)
        elif isinstance(value, str):
            if len(value) > self.bytes_left:
                self._too_large(path, f"a text of {len(value):,} characters")
            self._write(json.dumps(value), path)
        elif isinstance(value, list | dict):
            self._add_container(value, path, depth)
        else:
            self._add_tagged(value, path)

    def _add_container(self, value: list | dict, path: str, depth: int) -> None:
        if depth >= MAX_DEPTH:
            raise NotStorable(f"{self.describe(path)} nests more than {MAX_DEPTH} levels deep; "
                              "flatten it")
        if id(value) in self.open:
            raise NotStorable(f"{self.describe(path)} contains itself, which cannot be stored; "
                              "store a copy instead")
        self.open.add(id(value))
        if isinstance(value, list):
            self._write("[", path)
            for index, item in enumerate(value):
                if index:
                    self._write(",", path)
                self.add(item, f"{path}[{index}]", depth + 1)
            self._write("]", path)
        else:
            self._add_dict(value, path, depth)
        self.open.discard(id(value))

    def _add_dict(self, value: dict, path: str, depth: int) -> None:
        self._write("{", path)
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise NotStorable(f"{self.describe(path)} has the non-string key {key!r}; "
                                  "use str(key)")
            if len(key) > self.bytes_left:
                self._too_large(path, f"a key of {len(key):,} characters")
            # Only tags start with one "$": a key of the data gets one more.
            written = "$" + key if key.startswith("$") else key
            self._write(("," if index else "") + json.dumps(written) + ":", path)
            self.add(item, f"{path}[{key!r}]" if path or depth else key, depth + 1)
        self._write("}", path)

    def _add_tagged(self, value: Any, path: str) -> None:
        if isinstance(value, datetime):
            tag, text = "datetime", value.isoformat()
        elif isinstance(value, date):
            tag, text = "date", value.isoformat()
        elif isinstance(value, timedelta):
            tag, text = "timedelta", [value.days, value.seconds, value.microseconds]
        elif isinstance(value, Decimal):
            tag, text = "decimal", str(value)
        elif isinstance(value, UUID):
            tag, text = "uuid", str(value)
        else:
            raise NotStorable(f"{self.describe(path)} holds a {type(value).__name__}, which "
                              f"cannot be stored; keep {_STORABLE}, or remove it with 'del'")
        self._write(json.dumps({_TAG: tag, "v": text}), path)

    def _integer(self, value: int, path: str) -> str:
        try:
            return str(value)
        except ValueError:  # past sys.get_int_max_str_digits()
            raise NotStorable(f"{self.describe(path)} holds an integer too long to store; "
                              "store it as a string or round it") from None

    def describe(self, path: str) -> str:
        return self._describe(path if len(path) <= 80 else path[:77] + "...")

    def _write(self, chunk: str, path: str) -> None:
        self.bytes_left -= len(chunk)
        if self.bytes_left < 0:
            self._too_large(path, f"more than {_MEGABYTES} MB")
        self.chunks.append(chunk)

    def _too_large(self, path: str, what: str) -> None:
        raise NotStorable(f"a step may store at most {_MEGABYTES} MB and "
                          f"{MAX_NODES:,} values of task data, and {self.describe(path)} "
                          f"reaches {what} (shared and repeated parts count each time): "
                          "store less, e.g. a reference instead of a copy")


def _untag(dct: dict) -> Any:
    tag = dct.get(_TAG)
    if tag is None:
        if any(key.startswith("$") for key in dct):
            return {key[1:] if key.startswith("$") else key: item for key, item in dct.items()}
        return dct
    value = dct["v"]
    if tag == "datetime":
        return datetime.fromisoformat(value)
    if tag == "date":
        return date.fromisoformat(value)
    if tag == "timedelta":
        return timedelta(days=value[0], seconds=value[1], microseconds=value[2])
    if tag == "decimal":
        return Decimal(value)
    if tag == "uuid":
        return UUID(value)
    raise ValueError(f"unknown type tag {tag!r}")
