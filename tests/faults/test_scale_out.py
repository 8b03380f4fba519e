"""Two API servers and two schedulers on one database: every race is decided exactly once."""

import hashlib
import hmac
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import httpx
from sqlalchemy import select

from engine.models import AuditEvent, HumanTask
from tests.faults.checks import (
    check_chain,
    check_completions,
    check_escalations,
    check_finished,
    check_nothing_left_due,
    check_receipts,
    check_steps,
    inspect_database,
)
from tests.faults.clients import Api, Load, claim_race, receive_many
from tests.faults.harness import needs_postgres, observe, wait_for
from tests.faults.locks import WriterGate, escalated_steps, make_overdue, unsealed_events

pytestmark = needs_postgres

WORKED = 24  # dossiers the clients work from receipt to returned result
PARKED = 40  # dossiers left on their first step, then made overdue for the schedulers


def test_two_servers_and_two_schedulers_decide_every_race_once(
        fault_database, fault_staff, processes, cleanup, deadline):
    servers = [processes.serve("api-1"), processes.serve("api-2")]
    processes.wait_ready(*servers)
    api = cleanup.enter_context(closing(Api([s.base_url for s in servers])))
    schedulers = [processes.scheduler("scheduler-1"), processes.scheduler("scheduler-2")]
    processes.wait_ready(*schedulers)

    load = Load(api, fault_staff, deadline, threads=4, receipts=WORKED).start()
    cleanup.callback(load.stop)
    parked = receive_many(api, fault_staff, PARKED)
    race_step = api.call("read", "GET", f"/api/v1/dossiers/{parked[0]}",
                         fault_staff.kind("reception")[0]).body["open_steps"][0]["id"]
    race = claim_race(api, fault_staff.kind("economic"), race_step)
    # Stop every writer just before its commit, make the parked dossiers overdue, and let go
    # only once both schedulers hold an overdue dossier each: they race from there on.
    gate = WriterGate(fault_database)
    try:
        make_overdue(fault_database, parked)
        wait_for(lambda: {"motcua-scheduler-1", "motcua-scheduler-2"}
                 <= {w["application"] for w in gate.waiting()},
                 timeout=deadline.within(15), what="both schedulers to wait on overdue dossiers")
    finally:
        gate.release()
    load.drain(timeout=60)
    load.stop()
    wait_for(lambda: escalated_steps(fault_database, parked) == PARKED,
             timeout=deadline.within(30), what="every overdue step to be escalated")
    wait_for(lambda: unsealed_events(fault_database) == 0, timeout=deadline.within(10),
             what="the schedulers to seal every audit event")

    assert not load.failures
    calls = api.sent()
    unexpected = [(c.action, c.status, c.error, c.body) for c in calls
                  if c.action != "race" and c.status not in (200, 201)]
    assert not unexpected, unexpected[:5]
    statuses = sorted(c.status for c in race)
    assert statuses == [200] + [409] * 19, statuses
    assert {c.body["error"]["code"] for c in race if c.status == 409} == {"task_already_claimed"}
    with inspect_database(fault_database) as db:
        receipts = check_receipts(db.session, calls)
        problems = [*receipts.problems, *check_steps(db), *check_completions(db.session, calls),
                    *check_finished(db.session, load.finished),
                    *check_escalations(db.session, parked, fault_staff),
                    *check_nothing_left_due(db.session),
                    *check_chain(db.session)]
        task = db.session.get(HumanTask, race_step)
        holder = (task.state, task.assignee.username)
        claims = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "task.claimed", AuditEvent.task_id == race_step)).all()
    assert not problems, "\n".join(problems[:20])
    assert not receipts.unanswered
    assert len(load.finished) == WORKED
    assert holder == ("claimed", next(c for c in race if c.status == 200).body["assignee"])
    assert len(claims) == 1
    observe(f"scale-out: {len(calls)} calls over 2 servers; {PARKED} overdue dossiers "
            "escalated once each by 2 racing schedulers")


def test_single_threaded_workers_end_every_request_s_transaction(
        fault_database, fault_staff, processes, cleanup):
    # A worker serving requests on its main thread once reused the `motcua serve` command's
    # application context: the request's session was never closed and its transaction stayed
    # open, holding locks (a schema change waited on it forever) and serving stale rows.
    server = processes.serve("api-sync", workers=2, threads=1)
    processes.wait_ready(server)
    api = cleanup.enter_context(closing(Api([server.base_url])))
    code = receive_many(api, fault_staff, 1)[0]
    clerk = fault_staff.kind("reception")[0]
    for _ in range(4):
        assert api.call("read", "GET", f"/api/v1/dossiers/{code}", clerk).status == 200
        assert api.call("read", "GET", "/api/v1/tasks", clerk).status == 200

    with closing(fault_database.connect()) as conn:
        backends = conn.execute(
            "SELECT state FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'motcua-api-sync'"
        ).fetchall()

    assert backends, "the server's connections should be in the pool, idle"
    assert {state for (state,) in backends} == {"idle"}


def test_documents_uploaded_through_either_server_are_fetched_through_the_other(
        fault_database, fault_staff, processes, cleanup, tmp_path, monkeypatch):
    # Both servers share one documents directory, as API hosts share network storage.
    monkeypatch.setenv("MOTCUA_DOCUMENTS_DIR", str(tmp_path / "shared-documents"))
    servers = [processes.serve("api-1", workers=1), processes.serve("api-2", workers=1)]
    processes.wait_ready(*servers)
    api = cleanup.enter_context(closing(Api([s.base_url for s in servers])))
    reception = fault_staff.kind("reception")[0]
    code = receive_many(api, fault_staff, 1)[0]
    scans = [b"%PDF-1.7\nscan through api-1\n%%EOF\n", b"%PDF-1.7\nscan through api-2\n%%EOF\n"]

    uploads = [api.call("upload", "POST", f"/api/v1/dossiers/{code}/documents", reception,
                        data={"required_document": str(n), "handling": "digitised"},
                        files={"file": ("scan.pdf", scan, "application/pdf")}, port_index=n)
               for n, scan in enumerate(scans)]
    # Each server fetches what the other one stored.
    fetched = [api.download(f"/api/v1/dossiers/{code}/documents/{upload.body['id']}",
                            reception, port_index=n + 1)
               for n, upload in enumerate(uploads)]

    assert [u.status for u in uploads] == [201, 201], [u.body for u in uploads]
    assert [(f.status_code, f.content) for f in fetched] == [(200, scan) for scan in scans]
    stored = sorted(p.name for p in (tmp_path / "shared-documents").glob("??/??/*"))
    assert stored == sorted(u.body["sha256"] for u in uploads)


def test_a_bank_notification_sent_to_both_servers_at_once_pays_the_fee_once(
        fault_database, fault_staff, processes, cleanup, monkeypatch):
    secret = "fault-test-webhook-secret"
    monkeypatch.setenv("MOTCUA_PAYMENT_WEBHOOK_SECRET", secret)
    servers = [processes.serve("api-1", workers=2), processes.serve("api-2", workers=2)]
    processes.wait_ready(*servers)
    api = cleanup.enter_context(closing(Api([s.base_url for s in servers])))
    reception = fault_staff.kind("reception")[0]
    code = receive_many(api, fault_staff, 1)[0]
    due = api.call("payment", "GET", f"/api/v1/dossiers/{code}/payment", reception).body
    raw = json.dumps({"transaction_id": "FT-FAULT-0001", "amount_vnd": due["amount_vnd"],
                      "description": f"{due['reference'].lower()} nop le phi",
                      "paid_at": "2026-03-02T10:00:00+07:00"}).encode()
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"X-Motcua-Signature": f"sha256={signature}", "Content-Type": "application/json"}
    senders = [servers[n % 2].base_url for n in range(6)]  # three at each server
    barrier = threading.Barrier(len(senders))

    def send(base_url: str) -> httpx.Response:
        barrier.wait()
        return httpx.post(f"{base_url}/api/v1/payments/notifications", content=raw,
                          headers=headers, timeout=30)

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        answers = list(pool.map(send, senders))

    assert [a.status_code for a in answers] == [200] * len(senders), [a.text for a in answers]
    assert sorted(a.json()["outcome"] for a in answers) == ["applied"] + ["duplicate"] * 5
    paid = api.call("payment", "GET", f"/api/v1/dossiers/{code}/payment", reception).body
    assert paid["state"] == "paid"
    with inspect_database(fault_database) as db:
        events = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.dossier_code == code, AuditEvent.action.like("payment.%"))).all()
    assert sorted(events) == ["payment.opened", "payment.paid"]
