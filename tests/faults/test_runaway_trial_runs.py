"""Runaway drafts run through the real server: their sandboxes die, the workers serve on."""

from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import httpx

from tests.faults.clients import HOUSEHOLD, Api, receive_many
from tests.faults.harness import needs_postgres, observe

pytestmark = needs_postgres

VERSIONS = f"/api/v1/procedures/{HOUSEHOLD}/versions"
CONDITION = 'review_decision == "approve"'
# Each once ran in the server for 40 s or more, or grew its worker to ~1 GB.
RUNAWAYS = ["sum(range(10**11)) > 0", "max(range(10**11)) > 0", "len('a' * 10**9) > 0"]


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def test_six_runaway_trial_runs_leave_every_worker_serving_and_small(
        fault_database, fault_staff, processes, cleanup):
    server = processes.serve("api-runaway")
    processes.wait_ready(server)
    client = cleanup.enter_context(httpx.Client(base_url=server.base_url, timeout=60))
    designer = fault_staff.kind("designer")[0].headers
    published = next(v for v in client.get(VERSIONS, headers=designer).json()
                     if v["state"] == "published")["number"]
    xml = client.get(f"{VERSIONS}/{published}/bpmn", headers=designer).text
    drafts = []
    for runaway in RUNAWAYS:
        created = client.post(VERSIONS, headers=designer, json={
            "bpmn_xml": xml.replace(CONDITION, f"{runaway} and {CONDITION}"),
            "change_note": f"a condition that runs away: {runaway}"})
        assert created.status_code == 201, created.text
        drafts.append(created.json()["number"])
    workers = server.worker_pids()

    with ThreadPoolExecutor(max_workers=6) as pool:
        runs = list(pool.map(
            lambda number: client.post(f"{VERSIONS}/{number}/trial-run", json={},
                                       headers=designer), drafts * 2))

    assert [r.status_code for r in runs] == [200] * 6
    assert all("was stopped" in r.json()["error"] for r in runs), [r.json() for r in runs]
    assert server.worker_pids() == workers
    assert max(peak_rss_mb(pid) for pid in workers) < 400
    sane = client.post(f"{VERSIONS}/{published}/trial-run", json={}, headers=designer)
    assert sane.json()["finished"] is True, sane.text
    api = cleanup.enter_context(closing(Api([server.base_url])))
    assert len(receive_many(api, fault_staff, 4)) == 4
    observe(f"runaway drafts: 6 trial runs stopped, {len(workers)} workers unchanged, "
            f"peak worker RSS {max(peak_rss_mb(pid) for pid in workers):.0f} MB")
