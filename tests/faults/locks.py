"""Faults the test injects through the database itself: held rows and overdue deadlines."""

from datetime import UTC, datetime, timedelta

from tests.faults.harness import FaultDatabase

# The test's own locks are taken within this, whatever the servers are doing.
LOCK_TIMEOUT = "-c lock_timeout=10s"


class Pacer:
    """A dossier due long ago whose row this test holds locked.

    `motcua worker` re-reads due times written by other processes only every 60 s, but a
    due dossier another transaction holds makes it look again every second (engine
    scheduler MIN_PAUSE). Holding one keeps every scheduler polling each second, so due
    times the test writes are picked up at once without waiting a minute.
    """

    def __init__(self, database: FaultDatabase, dossier_code: str):
        self.code = dossier_code
        with database.connect(autocommit=True) as conn:
            conn.execute("UPDATE dossiers SET next_due_at = %s WHERE code = %s",
                         (utc_naive(hours_ago=48), dossier_code))
        self._conn = database.connect(options=LOCK_TIMEOUT)
        self._conn.execute("SELECT id FROM dossiers WHERE code = %s FOR UPDATE", (dossier_code,))

    def release(self) -> None:
        """Let go of the row."""
        try:
            self._conn.rollback()
        finally:
            self._conn.close()


class AuditHeadLock:
    """Hold the audit chain head, so every writer stops inside its transaction, just before commit.

    Every unit of work appends its audit events last; while the head is held, each one
    waits there with all its other writes done and not yet committed.
    """

    def __init__(self, database: FaultDatabase):
        self.database = database
        self._conn = database.connect(options=LOCK_TIMEOUT)
        self._conn.execute("SELECT last_seq FROM audit_chain_head WHERE id = 1 FOR UPDATE")
        self.backend_pid = self._conn.info.backend_pid

    def waiting(self) -> list[dict]:
        """Return the backends blocked behind the held head: application name, client port.

        Only the first writer in line waits on this transaction; the next ones queue behind
        it (or behind rows a waiting writer holds), so the blocking chains are followed.
        """
        with self.database.connect(autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid, application_name, client_port, pg_blocking_pids(pid) "
                "FROM pg_stat_activity WHERE datname = %s", (self.database.name,)).fetchall()
        blocked, behind = {}, {self.backend_pid}
        while True:
            more = {pid: (app, port) for pid, app, port, blockers in rows
                    if pid not in blocked and pid not in behind and behind & set(blockers)}
            if not more:
                break
            blocked.update(more)
            behind |= set(more)
        return [{"application": app, "client_port": port} for app, port in blocked.values()]

    def release(self) -> None:
        """Let every waiting writer go on."""
        try:
            self._conn.rollback()
        finally:
            self._conn.close()


def utc_naive(*, hours_ago: float) -> datetime:
    """Return a moment in the past as the database stores it (UTC, without a zone)."""
    return (datetime.now(UTC) - timedelta(hours=hours_ago)).replace(tzinfo=None)


def make_overdue(database: FaultDatabase, codes: list[str]) -> None:
    """Put these dossiers' open steps and appointment past their reminders and due times."""
    with database.connect(autocommit=True) as conn, conn.transaction():
        conn.execute("UPDATE human_tasks SET remind_at = %s, due_at = %s "
                     "WHERE dossier_code = ANY(%s) AND state IN ('ready', 'claimed')",
                     (utc_naive(hours_ago=3), utc_naive(hours_ago=2), codes))
        conn.execute("UPDATE dossiers SET remind_at = %s, appointment_at = %s, "
                     "next_due_at = %s WHERE code = ANY(%s)",
                     (utc_naive(hours_ago=3), utc_naive(hours_ago=1), utc_naive(hours_ago=3),
                      codes))


def escalated_steps(database: FaultDatabase, codes: list[str]) -> int:
    """Return how many open steps of these dossiers have been escalated."""
    with database.connect(autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM human_tasks WHERE dossier_code = ANY(%s) "
                            "AND escalated_at IS NOT NULL", (codes,)).fetchone()[0]
