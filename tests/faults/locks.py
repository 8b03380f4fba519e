"""Faults the test injects through the database itself: held writers and overdue deadlines."""

from datetime import UTC, datetime, timedelta

from tests.faults.harness import FaultDatabase

# The test's own locks are taken within this, whatever the servers are doing.
LOCK_TIMEOUT = "-c lock_timeout=10s"
GATE_KEY = 727274


class WriterGate:
    """Stop every writer at its audit append, the last statement before its commit.

    Every unit of work appends its audit events last: while the gate is shut, each one
    waits there with all its other writes done and not yet committed. The gate is a
    trigger on audit_events that takes a shared advisory lock the gate holds exclusively.
    """

    def __init__(self, database: FaultDatabase):
        self.database = database
        self._conn = database.connect(autocommit=True, options=LOCK_TIMEOUT)
        self._conn.execute("SELECT pg_advisory_lock(%s)", (GATE_KEY,))
        self._conn.execute(
            "CREATE FUNCTION motcua_test_gate() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN PERFORM pg_advisory_xact_lock_shared({GATE_KEY}); RETURN NULL; END $$")
        self._conn.execute("CREATE TRIGGER motcua_test_gate BEFORE INSERT ON audit_events "
                           "FOR EACH STATEMENT EXECUTE FUNCTION motcua_test_gate()")
        self.backend_pid = self._conn.info.backend_pid

    def waiting(self) -> list[dict]:
        """Return the backends stopped at the gate: application name, client port.

        Writers queue on the gate, and others behind rows a waiting writer holds, so the
        blocking chains are followed.
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
        """Let every waiting writer go on, then take the gate away."""
        try:
            self._conn.execute("SELECT pg_advisory_unlock(%s)", (GATE_KEY,))
            self._conn.execute("DROP TRIGGER motcua_test_gate ON audit_events")
            self._conn.execute("DROP FUNCTION motcua_test_gate()")
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


def unsealed_events(database: FaultDatabase) -> int:
    """Return how many audit events wait for a scheduler to seal them."""
    with database.connect(autocommit=True) as conn:
        return conn.execute("SELECT count(*) FROM audit_events WHERE seq IS NULL").fetchone()[0]
