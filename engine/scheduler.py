"""Wake at the earliest due time and fire what is due; the only module that imports APScheduler."""

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)
JOB_ID = "motcua-fire-due"
# Due times written by other processes are seen within this many seconds.
MAX_IDLE = timedelta(seconds=60)
# A dossier another worker holds stays due: look again shortly rather than spin.
MIN_PAUSE = timedelta(seconds=1)


def wall_clock() -> datetime:
    """Return the current time; the worker is the edge where the clock is read."""
    return datetime.now(UTC)


class DueWorker:
    """Run `fire(now)` at the earliest due time it reports, and at once on start (catch-up).

    `fire` handles everything due at `now` and returns the next due time it knows of.
    """

    def __init__(self, fire: Callable[[datetime], datetime | None], *,
                 clock: Callable[[], datetime] = wall_clock, max_idle: timedelta = MAX_IDLE):
        self._fire = fire
        self._clock = clock
        self._max_idle = max_idle
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._lock = threading.Lock()
        self._stopping = False

    def start(self) -> None:
        """Start the thread and catch up everything missed while no worker ran."""
        self._scheduler.start()
        self.wake()

    def stop(self) -> None:
        """Stop after the run in progress, if any; no run starts afterwards."""
        self._stopping = True
        # APScheduler's shutdown(wait=True) holds its job-store lock while it waits for
        # running jobs, and a run ends by adding the next one, which needs that lock: it
        # would wait forever. Wait for the run here instead, then shut down.
        with self._lock:
            self._scheduler.shutdown(wait=False)

    def wake(self) -> None:
        """Run as soon as possible, e.g. after this process wrote an earlier due time."""
        if not self._stopping:
            self._schedule(self._clock())

    def _schedule(self, at: datetime) -> None:
        self._scheduler.add_job(self._run, "date", run_date=at, id=JOB_ID,
                                replace_existing=True, misfire_grace_time=None,
                                coalesce=True, max_instances=1)

    def _run(self) -> None:
        with self._lock:
            if self._stopping:
                return
            now = self._clock()
            try:
                next_due = self._fire(now)
            except Exception:  # noqa: BLE001 - a failed pass is retried, never fatal
                log.exception("firing due work failed; retrying later")
                next_due = None
            after = self._clock()
            latest = after + self._max_idle
            at = min(next_due, latest) if next_due is not None else latest
            if not self._stopping:
                self._schedule(max(at, after + MIN_PAUSE))
