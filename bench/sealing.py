"""The audit sealer during a load phase: what `motcua worker` does every second, measured.

The server runs without its scheduler (the cloned backlog's due times would mix timer
work into the figures), so the benchmark seals the audit trail itself, in a thread of
the driver, every SEAL_EVERY like the worker; its own CPU is reported apart.
"""

import threading
import time

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from api.scheduling import SEAL_EVERY
from bench.pg import BenchDatabase
from engine.audit import seal


class Sealer:
    """Seal the audit trail every SEAL_EVERY until stopped; count events and CPU."""

    def __init__(self, db: BenchDatabase):
        self._engine = create_engine(db.sqlalchemy_url, pool_size=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sealer", daemon=True)
        self.events = 0
        self.cpu_s = 0.0

    def start(self) -> "Sealer":
        """Start sealing in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the pass in progress."""
        self._stop.set()
        self._thread.join(timeout=120)
        self._engine.dispose()

    def _run(self) -> None:
        every = SEAL_EVERY.total_seconds()
        with Session(self._engine) as session:
            while True:
                began = time.thread_time()
                sealed, _ = seal(session)
                self.cpu_s += time.thread_time() - began
                self.events += sealed
                if self._stop.wait(every):
                    break
