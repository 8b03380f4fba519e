"""The floor: the bare database writes of one step completion, with no application around them.

One transaction = UPDATE one dossier row's workflow state text and version, INSERT one
audit-like row, COMMIT. Run by as many threads as the load had virtual users, each with its
own psycopg connection, on distinct backlog rows.
"""

import json
import os
import threading
import time

from bench.pg import BenchDatabase
from bench.server import CpuMeter, MachineMeter, own_process, postgres_backends
from bench.stats import summarize

SETUP = """
CREATE TABLE IF NOT EXISTS bench_floor_events (
    seq bigserial PRIMARY KEY,
    occurred_at timestamp NOT NULL,
    actor varchar(80) NOT NULL,
    action varchar(40) NOT NULL,
    dossier_code varchar(64),
    task_id bigint,
    before json,
    after json,
    prev_hash varchar(64) NOT NULL,
    hash varchar(64) NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_bench_floor_events_dossier ON bench_floor_events (dossier_code, seq);
"""
UPDATE = "UPDATE dossiers SET workflow_state = %s, version = version + 1 WHERE id = %s"
INSERT = ("INSERT INTO bench_floor_events (occurred_at, actor, action, dossier_code, task_id, "
          "after, prev_hash, hash) VALUES (now(), %s, 'task.completed', %s, %s, %s, %s, %s)")


def _writer(db: BenchDatabase, rows: list[tuple[int, str]], state: str, stop: threading.Event,
            latencies: list, errors: list, ready: threading.Barrier) -> None:
    after = json.dumps({"step": "review", "data": {"review_decision": "approve"}})
    with db.connect() as conn:
        ready.wait()
        n = 0
        while not stop.is_set():
            dossier_id, code = rows[n % len(rows)]
            started = time.perf_counter()
            try:
                conn.execute(UPDATE, (state, dossier_id))
                conn.execute(INSERT, ("bench.floor", code, n, after, "0" * 64, "f" * 64))
                conn.commit()
            except Exception as err:  # noqa: BLE001 - counted and shown, the run goes on
                conn.rollback()
                errors.append(repr(err))
                continue
            latencies.append((started, time.perf_counter()))
            n += 1


def run_floor(db: BenchDatabase, *, concurrency: int, warmup_s: float, measure_s: float,
              state: str, log=print) -> dict:
    """Measure bare completion-equivalent transactions per second and their latency."""
    with db.connect() as conn:
        conn.execute(SETUP)
        rows = conn.execute("SELECT id, code FROM dossiers WHERE finished_at IS NOT NULL "
                            "ORDER BY id DESC LIMIT %s", (200 * concurrency,)).fetchall()
        conn.commit()
    if len(rows) < concurrency:
        raise RuntimeError("the floor needs finished backlog dossiers to write to")
    stop = threading.Event()
    latencies: list = []
    errors: list = []
    ready = threading.Barrier(concurrency + 1, timeout=120)
    threads = [threading.Thread(target=_writer, daemon=True, name=f"floor-{i}",
                                args=(db, rows[i::concurrency], state, stop, latencies,
                                      errors, ready))
               for i in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    window_start, window_end = (time.perf_counter() + warmup_s,
                                time.perf_counter() + warmup_s + measure_s)
    time.sleep(warmup_s)
    meters = {"postgres": CpuMeter(postgres_backends(db.name)),
              "client": CpuMeter(own_process), "machine": MachineMeter()}
    for meter in meters.values():
        meter.start()
    time.sleep(max(0.0, window_end - time.perf_counter()))
    cpu = {name: meter.seconds() for name, meter in meters.items()}
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    measured = [(s, e) for s, e in latencies if s >= window_start and e <= window_end]
    done = sum(1 for _, e in latencies if window_start <= e <= window_end)
    elapsed = window_end - window_start
    result = {
        "concurrency": concurrency,
        "measured_s": elapsed,
        "transactions": done,
        "transactions_per_s": done / elapsed,
        "latency": summarize([e - s for s, e in measured]),
        "state_bytes": len(state.encode()),
        "errors": len(errors),
        "error_samples": errors[:3],
        "cpu_ms_per_transaction": {name: (1000 * s / done if done else None)
                                   for name, s in cpu.items() if name != "machine"},
        "machine_busy": cpu["machine"] / (elapsed * (os.cpu_count() or 1)),
    }
    log(f"  floor at concurrency {concurrency}: {result['transactions_per_s']:.0f} tx/s, "
        f"p95 {result['latency']['p95_ms'] or float('nan'):.2f} ms")
    return result
