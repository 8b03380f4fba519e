"""Drive dossiers through the real HTTP API, as reception and the departments' staff would."""

import os
import random
import threading
import time
from dataclasses import dataclass

import httpx

from bench.pg import BenchDatabase
from bench.sealing import Sealer
from bench.server import CpuMeter, MachineMeter, Server, own_process, postgres_backends
from bench.staff import Staff
from bench.stats import summarize
from bench.waits import WaitSampler
from tests.scenarios import PROCEDURE_CODES, SCENARIOS

APPLICANT = {"full_name": "Nguyễn Văn Bình", "id_number": "038090001234", "phone": "0912345678"}
# The load: multi-step procedures that cross departments and roles.
LOAD_PROCEDURES = ("business_household", "ending_substitute_care")
OPERATIONS = ("receive", "inbox", "claim", "complete", "lookup")


class FlowError(Exception):
    """The server answered something a well-behaved user does not expect."""


@dataclass(frozen=True)
class Call:
    """One HTTP request: what, when (perf_counter seconds) and how it ended."""

    op: str
    started: float
    ended: float
    status: int
    ok: bool


class Flow:
    """One virtual user's HTTP client, acting as whoever each step needs."""

    def __init__(self, client: httpx.Client, staff: Staff, calls: list, index: int, *,
                 browse: bool = True, look_up: bool = False):
        self.client = client
        self.staff = staff
        self.calls = calls
        self.index = index
        self.browse = browse
        # The old pattern: look the dossier up after each step instead of reading the
        # completion's `next_steps`.
        self.look_up = look_up

    def _call(self, op: str, method: str, url: str, person, body=None, expect: int = 200):
        started = time.perf_counter()
        try:
            response = self.client.request(method, url, json=body, headers=person.headers)
        except httpx.HTTPError as err:
            self.calls.append(Call(op, started, time.perf_counter(), 0, False))
            raise FlowError(f"{op} {url}: {type(err).__name__}: {err}") from None
        ended = time.perf_counter()
        ok = response.status_code == expect
        self.calls.append(Call(op, started, ended, response.status_code, ok))
        if not ok:
            raise FlowError(f"{op} {url} as {person.username}: {response.status_code} "
                            f"{response.text[:400]}")
        return response.json()

    def receive(self, procedure: str) -> dict:
        """Receive a dossier of the procedure at the counter; return the receipt."""
        body = {"procedure_code": PROCEDURE_CODES[procedure], "applicant": APPLICANT,
                "form_data": SCENARIOS[procedure]["intake"]}
        person = self.staff.receptionist(self.index)
        return self._call("receive", "POST", "/api/v1/dossiers", person, body, expect=201)

    def run(self, procedure: str, path: str, *, stop_after: int | None = None,
            deadline: float | None = None) -> tuple[str, int, bool]:
        """Receive a dossier and work its steps along a scenario path.

        Returns the dossier code, how many steps were completed and whether it finished.
        Each step: the worker looks at the inbox, claims and completes; the completion's
        answer says what opened next (with `look_up`, the dossier is looked up for it as well,
        the request pattern before completions answered with their next steps).
        """
        dossier = self.receive(procedure)
        code, open_steps = dossier["code"], dossier["open_steps"]
        steps = SCENARIOS[procedure][path]
        for done, (step, data) in enumerate(steps):
            if stop_after is not None and done >= stop_after:
                return code, done, False
            if deadline is not None and time.perf_counter() >= deadline:
                return code, done, False
            matching = [s for s in open_steps if s["step"] == step]
            if not matching:
                raise FlowError(f"{code}: step {step} is not open; open: "
                                f"{[s['step'] for s in open_steps]}")
            task = matching[0]
            person = self.staff.worker(task["department"], task["required_role"], self.index)
            if self.browse:
                self._call("inbox", "GET", "/api/v1/tasks", person)
            self._call("claim", "POST", f"/api/v1/tasks/{task['id']}/claim", person)
            open_steps = self._call("complete", "POST", f"/api/v1/tasks/{task['id']}/complete",
                                    person, {"form_data": data})["next_steps"]
            if self.look_up:
                open_steps = self._call("lookup", "GET", f"/api/v1/dossiers/{code}",
                                        person)["open_steps"]
        return code, len(steps), not open_steps


def _virtual_user(index: int, *, base_url: str, staff: Staff, calls: list, deadline: float,
                  max_dossiers: int, supplement_share: float, stop: threading.Event,
                  outcomes: list, look_up: bool) -> None:
    rng = random.Random(index)
    with httpx.Client(base_url=base_url, timeout=120) as client:
        flow = Flow(client, staff, calls, index, look_up=look_up)
        for n in range(max_dossiers):
            if stop.is_set() or time.perf_counter() >= deadline:
                return
            procedure = LOAD_PROCEDURES[(index + n) % len(LOAD_PROCEDURES)]
            path = "supplement" if rng.random() < supplement_share else "happy"
            try:
                _, _, finished = flow.run(procedure, path, deadline=deadline)
                outcomes.append((time.perf_counter(), finished, None))
            except FlowError as err:
                outcomes.append((time.perf_counter(), False, str(err)))
                time.sleep(0.05)


def run_phase(*, server: Server, db: BenchDatabase, staff: Staff, concurrency: int,
              warmup_s: float, measure_s: float, max_dossiers_per_user: int,
              supplement_share: float, look_up: bool = False, log=print) -> dict:
    """Run `concurrency` virtual users; measure what happens after the warm-up.

    `look_up` keeps the old request pattern: a dossier look-up after every completion.
    """
    calls: list[Call] = []
    outcomes: list = []
    stop = threading.Event()
    begin = time.perf_counter()
    window_start, window_end = begin + warmup_s, begin + warmup_s + measure_s
    threads = [threading.Thread(
        target=_virtual_user, name=f"vu-{i}", daemon=True, args=(i,),
        kwargs={"base_url": server.base_url, "staff": staff, "calls": calls,
                "deadline": window_end, "max_dossiers": max_dossiers_per_user,
                "supplement_share": supplement_share, "stop": stop, "outcomes": outcomes,
                "look_up": look_up})
        for i in range(concurrency)]
    meters = {"server": CpuMeter(server.processes),
              "postgres": CpuMeter(postgres_backends(db.name)),
              "client": CpuMeter(own_process), "machine": MachineMeter()}
    rss_samples: list[int] = []
    waits = WaitSampler(db)
    sealer = Sealer(db).start()
    try:
        for thread in threads:
            thread.start()
        time.sleep(max(0.0, window_start - time.perf_counter()))
        for meter in meters.values():
            meter.start()
        sealed_before = (sealer.events, sealer.cpu_s)
        waits.start()
        while time.perf_counter() < window_end:
            rss_samples.append(server.rss_bytes())
            time.sleep(min(0.5, max(0.0, window_end - time.perf_counter())))
        cpu = {name: meter.seconds() for name, meter in meters.items()}
        sealed = {"events": sealer.events - sealed_before[0],
                  "cpu_s": sealer.cpu_s - sealed_before[1]}
        rss_samples.append(server.rss_bytes())
        database_sessions = waits.stop()
    finally:
        stop.set()
        waits.stop()
        for thread in threads:
            thread.join(timeout=120)
        sealer.stop()
    elapsed = window_end - window_start
    in_window = [c for c in calls if c.started >= window_start and c.ended <= window_end]
    completions = sum(1 for c in calls if c.op == "complete" and c.ok
                      and window_start <= c.ended <= window_end)
    finished = sum(1 for at, done, _ in outcomes if done and window_start <= at <= window_end)
    errors = [e for _, _, e in outcomes if e]
    operations = {}
    for op in OPERATIONS:
        mine = [c for c in in_window if c.op == op]
        summary = summarize([c.ended - c.started for c in mine if c.ok])
        summary["errors"] = sum(1 for c in mine if not c.ok)
        operations[op] = summary
    result = {
        "concurrency": concurrency,
        "look_up_after_complete": look_up,
        "warmup_s": warmup_s,
        "measured_s": elapsed,
        "step_completions": completions,
        "completions_per_s": completions / elapsed,
        "dossiers_finished": finished,
        "dossiers_finished_per_s": finished / elapsed,
        "requests_per_s": sum(1 for c in in_window if c.ok) / elapsed,
        "operations": operations,
        "errors": len(errors),
        "error_samples": errors[:5],
        "server_rss_max_mb": max(rss_samples) / 2**20 if rss_samples else None,
        "server_rss_end_mb": rss_samples[-1] / 2**20 if rss_samples else None,
        "cpu_s": cpu,
        "cpu_ms_per_completion": {name: (1000 * s / completions if completions else None)
                                  for name, s in cpu.items()},
        "cpu_utilisation": (cpu["server"] + cpu["postgres"] + cpu["client"])
        / (elapsed * (os.cpu_count() or 1)),
        "machine_busy": cpu["machine"] / (elapsed * (os.cpu_count() or 1)),
        "load_average": os.getloadavg(),
        "database_sessions": database_sessions,
        "sealer": {**sealed, "cpu_ms_per_completion": (1000 * sealed["cpu_s"] / completions
                                                       if completions else None)},
    }
    log(f"  concurrency {concurrency}: {result['completions_per_s']:.1f} completions/s, "
        f"complete p95 {operations['complete']['p95_ms'] or float('nan'):.1f} ms, "
        f"{len(errors)} errors")
    for err in errors[:3]:
        log(f"    error: {err}")
    return result
