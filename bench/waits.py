"""What PostgreSQL sessions of the bench database wait on, sampled during a load phase.

An "average active sessions" view: every sample counts the bench database's non-idle
backends by what they are doing, and the statements of those waiting on a lock.
"""

import threading
import time
from collections import Counter

from bench.pg import BenchDatabase

ACTIVITY = """
SELECT CASE
         WHEN state = 'idle in transaction' THEN 'idle in transaction (app works, locks held)'
         WHEN wait_event_type IS NULL THEN 'running in PostgreSQL (CPU)'
         ELSE wait_event_type || ':' || wait_event END,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 90),
       wait_event_type = 'Lock'
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'
  AND backend_type = 'client backend'
"""


class WaitSampler:
    """Sample pg_stat_activity in a thread until stopped."""

    def __init__(self, db: BenchDatabase, interval: float = 0.2):
        self.db = db
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.samples = 0
        self.states: Counter = Counter()
        self.blocked: Counter = Counter()

    def start(self) -> None:
        """Start sampling."""
        self._thread = threading.Thread(target=self._run, daemon=True, name="wait-sampler")
        self._thread.start()

    def _run(self) -> None:
        with self.db.connect(autocommit=True) as conn:
            while not self._stop.is_set():
                rows = conn.execute(ACTIVITY).fetchall()
                self.samples += 1
                for state, query, is_lock in rows:
                    self.states[state] += 1
                    if is_lock:
                        self.blocked[query] += 1
                time.sleep(self.interval)

    def stop(self) -> dict:
        """Stop and return the mean number of sessions per state and the blocked statements."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        n = max(self.samples, 1)
        return {
            "samples": self.samples,
            "mean_sessions": {k: v / n for k, v in self.states.most_common()},
            "blocked_statements": {k: v / n for k, v in self.blocked.most_common(5)},
        }
