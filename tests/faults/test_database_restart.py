"""PostgreSQL restarted under load: clean 503s, recovery without help, nothing half-written.

This test restarts the machine's PostgreSQL cluster for a second or two, which also drops
every other connection to it: run it sparingly.
"""

import time
from contextlib import closing

from tests.faults.checks import (
    check_chain,
    check_completions,
    check_receipts,
    check_steps,
    inspect_database,
)
from tests.faults.clients import Api, Load
from tests.faults.harness import needs_postgres, observe, restart_postgres, wait_for

pytestmark = needs_postgres

CLIENT_TIMEOUT = 10.0  # no request may take longer, outage or not
RECOVERY_SECONDS = 10.0  # the service answers 2xx again this soon after PostgreSQL is back
STEADY_CALLS = 40  # calls made after recovery, every one of which must succeed


def test_a_database_restart_answers_503_meanwhile_and_recovers_by_itself(
        fault_database, fault_staff, processes, cleanup, deadline):
    server = processes.serve("api", workers=2, threads=4)
    processes.wait_ready(server)
    api = cleanup.enter_context(closing(Api([server.base_url], timeout=CLIENT_TIMEOUT)))
    load = Load(api, fault_staff, deadline, threads=4).start()
    cleanup.callback(load.stop)
    wait_for(lambda: len(api.sent(lambda c: c.action == "complete")) >= 5,
             timeout=deadline.within(30), what="the clients to complete some steps")

    outage_from = time.monotonic()
    outage = restart_postgres(fault_database.url, timeout=deadline.within(45))
    back_at = time.monotonic()
    recovered = wait_for(
        lambda: api.sent(lambda c: c.started >= back_at and c.status in (200, 201)),
        timeout=deadline.within(RECOVERY_SECONDS), what="a 2xx answer after the restart")[0]
    wait_for(lambda: len(api.sent(lambda c: c.started >= recovered.ended)) >= STEADY_CALLS,
             timeout=deadline.within(30), what=f"{STEADY_CALLS} calls after recovery")
    load.stop()

    assert not load.failures
    calls = api.sent()
    unanswered = [(c.action, c.error, round(c.ended - c.started, 1)) for c in calls
                  if c.status is None]
    assert not unanswered, unanswered[:5]
    unexpected = [(c.action, c.status, c.body) for c in calls if c.status not in (200, 201, 503)]
    assert not unexpected, unexpected[:5]
    refused = [c for c in calls if c.status == 503]
    assert refused, "no request met the outage: the test proved nothing"
    assert all(c.ended >= outage_from for c in refused)
    malformed = [(c.retry_after, c.body) for c in refused
                 if c.retry_after != "5" or c.body.get("error", {}).get("code") != "unavailable"
                 or c.body["error"]["status"] != 503]
    assert not malformed, malformed[:3]
    after = [(c.action, c.status) for c in calls if c.started >= recovered.ended
             and c.status not in (200, 201)]
    assert not after, after[:5]
    with inspect_database(fault_database) as db:
        receipts = check_receipts(db.session, calls)
        problems = [*receipts.problems, *check_steps(db), *check_completions(db.session, calls),
                    *check_chain(db.session)]
    assert not problems, "\n".join(problems[:20])
    observe(f"database restart: PostgreSQL down and up in {outage:.1f} s; {len(refused)} calls "
            f"answered 503 ({sorted({c.action for c in refused})}); first 2xx "
            f"{recovered.ended - back_at:.2f} s after it was back; {len(receipts.unanswered)} "
            f"receipts stored although their client got 503: {receipts.unanswered}")
