"""`motcua serve` as `make serve` runs it: concurrent clients, its scheduler, a clean stop."""

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

from tests.faults.checks import check_completions, check_receipts, inspect_database
from tests.faults.clients import HOUSEHOLD_STEPS, Api
from tests.faults.harness import Staff, create_staff, group_members, wait_for
from tests.serve.conftest import audit_events, unsealed_events

CLIENTS = 10
DOSSIERS = 50


def receive_and_work_first_step(api: Api, staff: Staff, n: int) -> None:
    """Receive a dossier, then claim and complete its first step as the right officer."""
    reception = staff.kind("reception")
    received = api.receive(reception[n % len(reception)])
    if received.status != 201:
        return
    read = api.call("read", "GET", f"/api/v1/dossiers/{received.body['code']}",
                    reception[n % len(reception)])
    if read.status != 200:
        return
    step = read.body["open_steps"][0]
    officer = staff.worker(step["department"], step["required_role"], n)
    claim = api.call("claim", "POST", f"/api/v1/tasks/{step['id']}/claim", officer)
    if claim.status == 200:
        api.call("complete", "POST", f"/api/v1/tasks/{step['id']}/complete", officer,
                 json={"form_data": HOUSEHOLD_STEPS[step["step"]]})


def test_the_shipped_server_serves_concurrent_clients_and_stops_with_its_scheduler(
        each_database, shipped, deadline, cleanup):
    staff = create_staff(each_database)
    server = shipped(each_database).serve_as_shipped("serve")
    wait_for(server.ready, timeout=deadline.within(60),
                               what="motcua serve to answer", interval=0.2)
    api = cleanup.enter_context(closing(Api([server.base_url], timeout=30)))

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(lambda n: receive_and_work_first_step(api, staff, n), range(DOSSIERS)))

    calls = api.sent()
    failed = [(c.action, c.status, c.error, c.body) for c in calls
              if c.status is None or c.status >= 500]
    assert not failed, failed[:5]
    refused = [(c.action, c.status, c.body) for c in calls if c.status not in (200, 201)]
    assert not refused, refused[:5]
    assert [c.action for c in calls].count("complete") == DOSSIERS
    with inspect_database(each_database) as db:
        receipts = check_receipts(db.session, calls)
        problems = [*receipts.problems, *check_completions(db.session, calls)]
    assert not problems, problems[:10]
    assert not receipts.unanswered
    # The scheduler process seals what the receipts and steps wrote to the audit trail.
    assert audit_events(each_database) > 0
    wait_for(lambda: unsealed_events(each_database) == 0, timeout=deadline.within(30),
             what="the scheduler process to seal every audit event")
    assert len(server.scheduler_pids()) == 1

    os.kill(server.pid, signal.SIGTERM)
    server.process.wait(timeout=deadline.within(40))
    assert group_members(server.pid) == []


def test_the_scheduler_process_is_restarted_when_it_dies_and_the_restart_is_logged(
        one_database, shipped, deadline):
    server = shipped(one_database).serve_as_shipped("serve")
    wait_for(server.ready, timeout=deadline.within(60), what="motcua serve to answer",
             interval=0.2)
    first = wait_for(server.scheduler_pids, timeout=deadline.within(10),
                     what="the scheduler process")

    os.kill(first[0], signal.SIGKILL)

    again = wait_for(lambda: [pid for pid in server.scheduler_pids() if pid not in first],
                     timeout=deadline.within(30), what="a new scheduler process")
    assert len(again) == 1
    log = server.log_path.read_text(encoding="utf-8", errors="replace")
    assert f"due-work scheduler (pid:{first[0]}) ended unexpectedly (signal SIGKILL)" in log
