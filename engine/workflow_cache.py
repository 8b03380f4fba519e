"""Keep restored workflows between a dossier's steps, so a step need not deserialize its history.

An entry is keyed by the model's hash and the SHA-256 of the exact state text it was dumped
as: restoring that text on that model would give the same workflow. A state committed by
another process has another digest, so a stale entry is never found, only evicted. An entry
is checked out (removed) by the one caller that uses it and comes back only when that caller
dumps the workflow's next state, so two threads never share a workflow, and a workflow whose
step raised is never seen again. Eviction is least recently used, within a budget of state
bytes held (the workflows take a few times that in memory).
"""

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow


def state_digest(state: str) -> bytes:
    """Return the digest that identifies a stored workflow state."""
    return hashlib.sha256(state.encode("utf-8")).digest()


@dataclass(frozen=True)
class _Entry:
    workflow: BpmnWorkflow
    size: int


class WorkflowCache:
    """A bounded, thread-safe LRU of restored workflows by (model hash, state digest)."""

    def __init__(self, *, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, bytes], _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def check_out(self, model_hash: str, state: str) -> BpmnWorkflow | None:
        """Take the workflow dumped as `state` on this model out of the cache, if it is there."""
        if self.max_bytes <= 0:
            return None
        key = (model_hash, state_digest(state))
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None:
                self.misses += 1
                return None
            self._bytes -= entry.size
            self.hits += 1
            return entry.workflow

    def check_in(self, model_hash: str, state: str, workflow: BpmnWorkflow) -> None:
        """Keep a workflow that was just dumped as `state`; its caller must not change it again."""
        size = len(state)
        if size > self.max_bytes:
            return
        key = (model_hash, state_digest(state))
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous.size
            self._entries[key] = _Entry(workflow, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.size

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes_held(self) -> int:
        """Return the stored-state bytes of the workflows held."""
        return self._bytes
