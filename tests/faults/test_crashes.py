"""Processes killed in the middle of their transactions: nothing lost, nothing done twice."""

import os
import signal
import time
from contextlib import closing

from tests.faults.checks import (
    check_chain,
    check_completions,
    check_escalations,
    check_nothing_left_due,
    check_receipts,
    check_steps,
    inspect_database,
)
from tests.faults.clients import Api, Load, receive_many
from tests.faults.harness import needs_postgres, observe, owner_of_client_port, wait_for
from tests.faults.locks import WriterGate, escalated_steps, make_overdue, unsealed_events

pytestmark = needs_postgres

AFTERWARDS = 30  # successful calls the clients make after the crash, before winding down
PARKED = 30  # dossiers left on their first step, then made overdue for the schedulers


def test_killing_an_api_worker_and_a_scheduler_mid_transaction_loses_nothing(
        fault_database, fault_staff, processes, cleanup, deadline):
    server = processes.serve("api", workers=2, threads=4)
    processes.wait_ready(server)
    api = cleanup.enter_context(closing(Api([server.base_url])))
    schedulers = {name: processes.scheduler(name) for name in ("scheduler-1", "scheduler-2")}
    processes.wait_ready(*schedulers.values())
    parked = receive_many(api, fault_staff, PARKED)
    load = Load(api, fault_staff, deadline, threads=4).start()
    cleanup.callback(load.stop)
    wait_for(lambda: len(api.sent(lambda c: c.action == "complete")) >= 5,
             timeout=deadline.within(30), what="the clients to complete some steps")

    # Stop every writer just before its commit, make the parked dossiers overdue, then kill
    # a scheduler and an API worker that are each inside a transaction with writes pending.
    gate = WriterGate(fault_database)
    try:
        make_overdue(fault_database, parked)
        waiting = wait_for(lambda: _scheduler_and_api_waiting(gate.waiting()),
                           timeout=deadline.within(20),
                           what="a scheduler and an API worker to wait inside a transaction")
        scheduler = schedulers[waiting["scheduler"].removeprefix("motcua-")]
        api_worker = wait_for(lambda: _owner(waiting["api_ports"], server.worker_pids()),
                              timeout=deadline.within(5), what="the API worker's socket")
        scheduler.kill9()
        os.kill(api_worker, signal.SIGKILL)
    finally:
        gate.release()
    processes.wait_ready(processes.scheduler(f"{scheduler.name}-restarted"))
    wait_for(lambda: len(server.worker_pids()) == 2 and api_worker not in server.worker_pids(),
             timeout=deadline.within(20), what="gunicorn to replace the killed worker")
    replaced_at = time.monotonic()
    wait_for(lambda: len(api.sent(lambda c: c.started >= replaced_at and c.status in (200, 201)))
             >= AFTERWARDS, timeout=deadline.within(30), what="the load to go on after the crash")
    load.wind_down()
    load.drain(timeout=60)
    load.stop()
    wait_for(lambda: escalated_steps(fault_database, parked) == PARKED,
             timeout=deadline.within(30), what="every overdue step to be escalated")
    wait_for(lambda: unsealed_events(fault_database) == 0, timeout=deadline.within(10),
             what="the schedulers to seal every audit event")

    assert not load.failures
    calls = api.sent()
    lost = [c for c in calls if c.status is None]
    assert all(c.started < replaced_at for c in lost), [c for c in lost
                                                        if c.started >= replaced_at]
    unexpected = [(c.action, c.status, c.body) for c in calls
                  if c.status is not None and c.status not in (200, 201)]
    assert not unexpected, unexpected[:5]
    with inspect_database(fault_database) as db:
        receipts = check_receipts(db.session, calls)
        problems = [*receipts.problems, *check_steps(db), *check_completions(db.session, calls),
                    *check_escalations(db.session, parked, fault_staff),
                    *check_nothing_left_due(db.session),
                    *check_chain(db.session)]
    assert not problems, "\n".join(problems[:20])
    observe(f"crashes: killed {scheduler.name} and API worker {api_worker} inside their "
            f"transactions; {len(lost)} calls lost their answer "
            f"({sorted({c.action for c in lost})}), {len(receipts.unanswered)} of them receipts "
            f"that were stored anyway: {receipts.unanswered}")


def _scheduler_and_api_waiting(waiting: list[dict]) -> dict | None:
    schedulers = [w["application"] for w in waiting
                  if w["application"] in ("motcua-scheduler-1", "motcua-scheduler-2")]
    api_ports = [w["client_port"] for w in waiting if w["application"] == "motcua-api"]
    if schedulers and api_ports:
        return {"scheduler": schedulers[0], "api_ports": api_ports}
    return None


def _owner(ports: list[int], api_workers: list[int]) -> int | None:
    for port in ports:
        owner = owner_of_client_port(port, api_workers)
        if owner is not None:
            return owner
    return None
