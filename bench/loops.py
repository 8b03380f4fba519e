"""What one step costs as a dossier's history grows: a supplement loop driven 200 times.

`python -m bench.loops` receives one business-household dossier through the real Flask app
(in-process, over a WSGI transport, one thread) on a fresh PostgreSQL database
(MOTCUA_BENCH_DATABASE_URL) or, with `--sqlite`, a temporary SQLite file, and loops it
review → "supplement" → request_supplement → review … For windows of loop iterations
(1–10, 41–50, 91–100, 191–200 by default) it prints the server's CPU and wall time per
`POST /tasks/{id}/complete`, the stored state's size, and a cProfile breakdown of where a
complete request's time goes (restore, the step, progress, dump, hashing, JSON, ORM).
Odd iterations of a window are timed, even ones run under cProfile, so the profiler's
overhead never enters the timings.
"""

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.stats import summarize

# (label, function name, module path fragment): cumulative time inside each, per request.
PARTS = (
    ("complete_task use case", "complete_task", "engine/tasks.py"),
    ("  restore (cache or deserialize)", "restore", "engine/runtime.py"),
    ("    deserialize (SpiffWorkflow from_dict)", "load_workflow", "engine/serialization.py"),
    ("  complete_step (SpiffWorkflow)", "complete_step", "engine/runtime.py"),
    ("  progress (open steps, timers)", "progress", "engine/runtime.py"),
    ("  dump (serialize + size check)", "dump", "engine/runtime.py"),
    ("    serialize (SpiffWorkflow to_dict)", "dump_workflow", "engine/serialization.py"),
    ("  compact finished iterations", "compact", "engine/compaction.py"),
    ("  state digest (hashing)", "state_digest", "engine/workflow_cache.py"),
    ("  apply_progress (rows, clock)", "apply_progress", "engine/dossiers.py"),
    ("  session.commit (flush + COMMIT)", "commit", "sqlalchemy/orm/session.py"),
    ("json.loads (any caller)", "loads", "json/__init__.py"),
    ("json.dumps (any caller)", "dumps", "json/__init__.py"),
    ("SQLAlchemy execute (any caller)", "execute", "sqlalchemy/engine/base.py"),
)
WINDOW = 10


def _cumulative(stats: pstats.Stats, name: str, fragment: str) -> float:
    """Return the seconds spent inside functions called `name` in files matching `fragment`."""
    total = 0.0
    for (file, _line, function), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        if function == name and fragment in file.replace(os.sep, "/"):
            total += ct
    return total


def _top_functions(stats: pstats.Stats, count: int) -> list[tuple[str, float]]:
    """Return the functions with the most time of their own, as (label, seconds)."""
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:count]
    return [(f"{Path(file).name}:{line} {function}", tt)
            for (file, line, function), (_cc, _nc, tt, _ct, _callers) in rows]


def _database(args):
    """Return (SQLAlchemy URL, PostgreSQL database handle or None, clean-up)."""
    if args.sqlite:
        folder = tempfile.TemporaryDirectory(prefix="motcua-loops-")
        return f"sqlite:///{folder.name}/loops.db", None, folder.cleanup
    from bench.pg import DEFAULT_SERVER_URL, BenchDatabase
    bench_db = BenchDatabase.create(os.environ.get("MOTCUA_BENCH_DATABASE_URL",
                                                   DEFAULT_SERVER_URL))
    return bench_db.sqlalchemy_url, bench_db, bench_db.drop


def run(args) -> dict:
    """Drive the dossier and return the measured windows."""
    import httpx
    from sqlalchemy import select

    from api import create_app
    from api.cli import initialise
    from api.extensions import db
    from bench.server import CpuMeter, postgres_backends
    from bench.staff import Person, Staff, role_of
    from engine.accounts import create_user
    from engine.models import Dossier
    from tests.scenarios import PROCEDURE_CODES, SCENARIOS, WORKER

    url, bench_db, clean_up = _database(args)
    windows = [(max(1, end - WINDOW + 1), end) for end in args.points]
    last = max(end for _, end in windows)
    results = []
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        staff = Staff()
        with app.app_context():
            initialise(seed_demo=False)
            for (department, required_role), kind in WORKER.items():
                role = role_of(department, required_role)
                _, token = create_user(db.session, username=f"loops.{kind}", role=role,
                                       department_code=department, now=datetime.now(UTC))
                staff.by_kind.setdefault(kind, []).append(Person(f"loops.{kind}", role,
                                                                 department, token))
            db.session.remove()
        scenario = SCENARIOS["business_household"]
        supplement = dict(scenario["supplement"][:2])
        timed: list[tuple[float, float]] = []
        profiler_box: dict = {"profiler": None}
        wsgi = app.wsgi_app

        def measured(environ, start_response):
            completing = (environ["REQUEST_METHOD"] == "POST"
                          and environ.get("PATH_INFO", "").endswith("/complete"))
            profiler = profiler_box["profiler"] if completing else None
            wall, cpu = time.perf_counter(), time.thread_time()
            if profiler is not None:
                profiler.enable()
            try:
                return list(wsgi(environ, start_response))
            finally:
                if profiler is not None:
                    profiler.disable()
                elif completing:
                    timed.append((time.perf_counter() - wall, time.thread_time() - cpu))

        app.wsgi_app = measured
        transport = httpx.WSGITransport(app=app)
        with httpx.Client(transport=transport, base_url="http://motcua.loops") as client:

            def call(method, path, person, body=None):
                response = client.request(method, path, json=body, headers=person.headers)
                if response.status_code >= 400:
                    raise SystemExit(f"{method} {path}: {response.status_code} "
                                     f"{response.text[:300]}")
                return response.json()

            def loop_once(code, open_steps):
                for name in ("review", "request_supplement"):
                    step = next(s for s in open_steps if s["step"] == name)
                    person = staff.worker(step["department"], step["required_role"], 0)
                    call("POST", f"/api/v1/tasks/{step['id']}/claim", person)
                    call("POST", f"/api/v1/tasks/{step['id']}/complete", person,
                         {"form_data": supplement[name]})
                    open_steps = call("GET", f"/api/v1/dossiers/{code}", person)["open_steps"]
                return open_steps

            def receive():
                body = {"procedure_code": PROCEDURE_CODES["business_household"],
                        "applicant": {"full_name": "Nguyễn Văn Bình",
                                      "id_number": "038090001234"},
                        "form_data": scenario["intake"]}
                dossier = call("POST", "/api/v1/dossiers", staff.receptionist(0), body)
                return dossier["code"], dossier["open_steps"]

            # A first dossier warms every cache a long-running server has warm.
            code, open_steps = receive()
            for _ in range(3):
                open_steps = loop_once(code, open_steps)
            code, open_steps = receive()
            postgres = None
            if bench_db is not None:
                backends = postgres_backends(bench_db.name)()
                postgres = CpuMeter(lambda: backends)
            for iteration in range(1, last + 1):
                window = next((w for w in windows if w[0] <= iteration <= w[1]), None)
                if window is not None and iteration == window[0]:
                    timed.clear()
                    stats = None
                    started_cpu = time.process_time()
                    if postgres is not None:
                        postgres.start()
                profiler = cProfile.Profile() if window and iteration % 2 == 0 else None
                profiler_box["profiler"] = profiler
                open_steps = loop_once(code, open_steps)
                profiler_box["profiler"] = None
                if profiler is not None:
                    if stats is None:
                        stats = pstats.Stats(profiler)
                    else:
                        stats.add(profiler)
                if window is not None and iteration == window[1]:
                    results.append(_window_result(
                        window, timed, stats, app, db, select, Dossier, code,
                        process_cpu=time.process_time() - started_cpu,
                        postgres_cpu=postgres.seconds() if postgres else None,
                        completes=2 * (window[1] - window[0] + 1)))
                    _print_window(results[-1], args.top)
    finally:
        clean_up()
    return {"database": "sqlite" if bench_db is None else "postgresql", "windows": results}


def _window_result(window, timed, stats, app, db, select, Dossier, code, *, process_cpu,
                   postgres_cpu, completes) -> dict:
    with app.app_context():
        state = db.session.scalar(select(Dossier.workflow_state).where(Dossier.code == code))
        db.session.remove()
    import json
    tasks = len(json.loads(state).get("tasks", {}))
    profiled = completes - len(timed)
    parts = {label: 1000 * _cumulative(stats, name, fragment) / profiled
             for label, name, fragment in PARTS} if stats else {}
    return {"iterations": list(window), "tasks": tasks, "state_kb": len(state) / 1024,
            "wall": summarize([w for w, _ in timed]), "cpu": summarize([c for _, c in timed]),
            "process_cpu_ms_per_iteration": 1000 * process_cpu / (window[1] - window[0] + 1),
            "postgres_cpu_ms_per_iteration": (1000 * postgres_cpu / (window[1] - window[0] + 1)
                                              if postgres_cpu is not None else None),
            "profiled_ms_per_complete": parts,
            "top_own_time": [(label, 1000 * s / profiled)
                             for label, s in _top_functions(stats, 12)] if stats else []}


def _print_window(result: dict, top: bool) -> None:
    first, last = result["iterations"]
    pg = result["postgres_cpu_ms_per_iteration"]
    print(f"loops {first:3d}-{last:3d}: {result['tasks']:4d} tasks, "
          f"{result['state_kb']:6.0f} KB state; complete CPU mean "
          f"{result['cpu']['mean_ms']:6.2f} ms, wall p50 {result['wall']['p50_ms']:6.2f} ms; "
          f"per iteration (2 claims, 2 completes, 2 look-ups): process CPU "
          f"{result['process_cpu_ms_per_iteration']:6.1f} ms"
          + (f", PostgreSQL CPU {pg:5.1f} ms" if pg is not None else ""))
    for label, ms in result["profiled_ms_per_complete"].items():
        if ms:
            print(f"      {label:42} {ms:7.2f} ms per complete (under cProfile)")
    if top:
        for label, ms in result["top_own_time"]:
            print(f"      own time {ms:7.2f} ms  {label}")


def main(argv=None) -> int:
    """Measure per-step cost against the number of supplement loops."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", default="10,50,100,200",
                        help="comma-separated last iterations of the measured windows of "
                             f"{WINDOW} (default 10,50,100,200)")
    parser.add_argument("--sqlite", action="store_true",
                        help="a temporary SQLite file instead of a fresh PostgreSQL database")
    parser.add_argument("--top", action="store_true",
                        help="also print the functions with the most own time per window")
    args = parser.parse_args(argv)
    args.points = sorted({int(p) for p in args.points.split(",")})
    started = time.perf_counter()
    result = run(args)
    windows = result["windows"]
    first, last = windows[0]["cpu"]["mean_ms"], windows[-1]["cpu"]["mean_ms"]
    print(f"complete CPU per step: {first:.2f} ms at loops {windows[0]['iterations'][0]}-"
          f"{windows[0]['iterations'][1]}, {last:.2f} ms at loops "
          f"{windows[-1]['iterations'][0]}-{windows[-1]['iterations'][1]} "
          f"({last / first:.2f}×, target ≤ 2×) on {result['database']}, "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
