"""Benchmark motcua end to end: real server, real PostgreSQL, a big backlog, concurrent users.

`make bench` runs the full benchmark (1,000,000 dossiers, 100,000 open; about 10-15 min on
2 cores); `make bench QUICK=1` runs the same code with small numbers in about a minute.
Numbers are printed, never asserted. See bench/README.md for what each figure means.
"""

import argparse
import os
import platform
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench import floor as floor_mod
from bench import report, scale, seed
from bench.flows import run_phase
from bench.pg import DEFAULT_SERVER_URL, BenchDatabase
from bench.profiling import py_spy_record, summarise_py_spy
from bench.server import ROOT, Server, motcua_command
from bench.staff import create_staff

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Settings:
    """How big and how long: QUICK and full differ only in these numbers."""

    total_dossiers: int = 1_000_000
    open_dossiers: int = 100_000
    chunk: int = 25_000
    seed_budget_s: float = 1200
    rollup_batch: int = 20_000
    concurrency: list[int] = field(default_factory=lambda: [1, 8])
    warmup_s: float = 15
    measure_s: float = 90
    floor_warmup_s: float = 3
    floor_measure_s: float = 20
    max_dossiers_per_user: int = 100_000
    supplement_share: float = 0.2
    reads: int = 400
    scheduler_repeats: int = 50
    # Each report over the whole backlog takes up to seconds: a few runs give a stable p50.
    report_repeats: int = 5
    history_loops: list[int] = field(default_factory=lambda: [0, 50, 100, 200])
    history_repeats: int = 10
    staff_per_kind: int = 2
    workers: int = 2
    threads: int = 4

    @classmethod
    def quick(cls) -> "Settings":
        """Return small numbers for a run of about a minute."""
        return cls(total_dossiers=4_000, open_dossiers=400, chunk=2_000, seed_budget_s=120,
                   warmup_s=2, measure_s=8, floor_warmup_s=1, floor_measure_s=3, reads=60,
                   scheduler_repeats=10, report_repeats=3, history_loops=[0, 200],
                   history_repeats=3, staff_per_kind=1)


def _parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small numbers, about a minute")
    parser.add_argument("--dossiers", type=int, help="backlog size (dossiers in all)")
    parser.add_argument("--open", type=int, dest="open_dossiers", help="open dossiers of them")
    parser.add_argument("--users", help="comma-separated virtual-user counts, e.g. 1,8")
    parser.add_argument("--measure", type=float, help="seconds measured per load phase")
    parser.add_argument("--warmup", type=float, help="seconds of warm-up per load phase")
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--seed-budget", type=float, help="stop cloning after this many seconds")
    parser.add_argument("--py-spy", type=float, default=0, metavar="SECONDS",
                        help="after the measurements, record the server with py-spy this long "
                             "under the same load and summarise the complete path")
    parser.add_argument("--old-pattern", choices=("also", "only", "no"), default="also",
                        help="the request pattern before completions answered with their next "
                             "steps (a dossier look-up after each completion): 'also' adds a "
                             "phase of it at the largest concurrency (default), 'only' runs "
                             "every phase that way, 'no' leaves it out")
    parser.add_argument("--no-reports", action="store_true",
                        help="skip the roll-up of the seeded steps and the report queries "
                             "(8-15 min of a full run); the load and scale points run as usual")
    parser.add_argument("--keep-database", action="store_true",
                        help="keep the bench database (e.g. for `python -m bench.profiling "
                             "--database NAME`); default: drop it")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/<ts>.json)")
    return parser.parse_args(argv)


def _settings(args) -> Settings:
    settings = Settings.quick() if args.quick else Settings()
    for name in ("open_dossiers", "workers", "threads"):
        if getattr(args, name) is not None:
            setattr(settings, name, getattr(args, name))
    if args.dossiers is not None:
        settings.total_dossiers = args.dossiers
    if args.users:
        settings.concurrency = [int(n) for n in args.users.split(",")]
    if args.measure is not None:
        settings.measure_s = args.measure
    if args.warmup is not None:
        settings.warmup_s = args.warmup
    if args.seed_budget is not None:
        settings.seed_budget_s = args.seed_budget
    settings.open_dossiers = min(settings.open_dossiers, settings.total_dossiers)
    return settings


def _machine() -> dict:
    def git(*command):
        done = subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else None

    dirty = git("status", "--porcelain")
    return {
        "cpus": os.cpu_count(),
        "memory_gb": psutil.virtual_memory().total / 2**30,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": os.getloadavg(),
        "commit": (git("rev-parse", "--short", "HEAD") or "?")
        + ("+uncommitted" if dirty else ""),
    }


def _log(message: str) -> None:
    print(message, flush=True)


def _terminate(signum, _frame):
    # Turn SIGTERM (e.g. from `timeout`) into an exception so the server stops and the
    # database is dropped on the way out.
    raise SystemExit(128 + signum)


def _step(results: dict, key: str, started: float) -> None:
    results["setup"][key] = time.perf_counter() - started


def run(args) -> int:
    """Run the benchmark; return the exit status."""
    settings = _settings(args)
    started_at = datetime.now(UTC)
    stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
    output = args.output or RESULTS / f"{stamp}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = {"mode": "quick" if args.quick else "full", "started_at": started_at.isoformat(),
               "settings": asdict(settings), "machine": _machine(), "setup": {}}
    signal.signal(signal.SIGTERM, _terminate)
    bench_db, server, status = None, None, 0
    try:
        bench_db = BenchDatabase.create(os.environ.get("MOTCUA_BENCH_DATABASE_URL",
                                                       DEFAULT_SERVER_URL))
        results["machine"]["postgresql"] = bench_db.server_version()
        results["database"] = bench_db.name
        _log(f"database {bench_db.name}")
        env = {**os.environ, "MOTCUA_DATABASE_URL": bench_db.url}
        agency = env.get("MOTCUA_AGENCY_CODE", "000.00.00.H00")

        t = time.perf_counter()
        subprocess.run([motcua_command(), "init", "--no-demo"], env=env, cwd=ROOT, check=True,
                       capture_output=True, timeout=300)
        _step(results, "init_s", t)

        t = time.perf_counter()
        staff = create_staff(database_url=bench_db.url, per_kind=settings.staff_per_kind)
        results["setup"]["staff"] = len(staff.everyone())
        _step(results, "staff_s", t)
        _log(f"{len(staff.everyone())} users created")

        log_path = RESULTS / f"{stamp}-server.log"
        server = Server(env=env, workers=settings.workers, threads=settings.threads,
                        log_path=log_path)
        t = time.perf_counter()
        server.start()
        _step(results, "server_start_s", t)
        _log(f"server on {server.base_url} ({settings.workers} workers × "
             f"{settings.threads} threads), log {log_path}")

        t = time.perf_counter()
        templates = seed.create_templates(base_url=server.base_url, staff=staff, log=_log)
        _step(results, "templates_s", t)

        _log(f"seeding {settings.total_dossiers:,} dossiers, {settings.open_dossiers:,} open")
        results["seed"] = seed.clone_backlog(
            bench_db, templates, total=settings.total_dossiers, open_=settings.open_dossiers,
            agency_code=agency, chunk=settings.chunk, budget_s=settings.seed_budget_s, log=_log)
        seeded = results["seed"]
        _log(f"  seeded in {seeded['total_s']:.1f} s: {seeded['dossiers']:,} dossiers, "
             f"{seeded['human_tasks']:,} steps, {seeded['database_mb']:,.0f} MB")
        if not args.no_reports:
            _log("rolling up the completed steps for the step-timings report")
            results["roll_up"] = seed.roll_up(bench_db, batch=settings.rollup_batch, log=_log)
            _log(f"  rolled up {results['roll_up']['steps']:,} steps into "
                 f"{results['roll_up']['rollup_rows']:,} rows in "
                 f"{results['roll_up']['total_s']:.1f} s")

        # A fresh server on the seeded database: no plans or caches from the seeding.
        server.stop()
        server.start()
        results["server"] = {"rss_idle_mb": server.rss_bytes() / 2**20}

        results["load"] = []
        phases = [(users, args.old_pattern == "only") for users in settings.concurrency]
        if args.old_pattern == "also":
            phases.append((max(settings.concurrency), True))
        for users, look_up in phases:
            pattern = ", a look-up after each completion" if look_up else ""
            _log(f"load: {users} virtual users{pattern}, {settings.warmup_s:.0f} s warm-up + "
                 f"{settings.measure_s:.0f} s")
            results["load"].append(run_phase(
                server=server, db=bench_db, staff=staff, concurrency=users,
                warmup_s=settings.warmup_s, measure_s=settings.measure_s,
                max_dossiers_per_user=settings.max_dossiers_per_user,
                supplement_share=settings.supplement_share, look_up=look_up, log=_log))

        state = _a_real_state(bench_db, templates)
        results["floor"] = []
        for users in settings.concurrency:
            results["floor"].append(floor_mod.run_floor(
                bench_db, concurrency=users, warmup_s=settings.floor_warmup_s,
                measure_s=settings.floor_measure_s, state=state, log=_log))

        _log("scale points")
        results["scale"] = {
            "backlog_reads": scale.backlog_reads(server=server, staff=staff, db=bench_db,
                                                 requests=settings.reads, log=_log),
            "scheduler": scale.scheduler_queries(bench_db, repeats=settings.scheduler_repeats,
                                                 log=_log),
        }
        if not args.no_reports:
            results["scale"]["reports"] = scale.report_queries(
                bench_db, repeats=settings.report_repeats, log=_log)
        results["server"]["rss_end_mb"] = server.rss_bytes() / 2**20
        server.stop()
        results["scale"]["long_history"] = scale.long_history(
            loops=settings.history_loops, repeats=settings.history_repeats, log=_log)

        if args.py_spy:
            server.start()
            results["profile"] = _py_spy(server, bench_db, staff, settings, args.py_spy, stamp,
                                         look_up=args.old_pattern == "only")
    except BaseException as err:  # noqa: BLE001 - report, clean up, exit non-zero
        status = err.code if isinstance(err, SystemExit) and isinstance(err.code, int) else 1
        results["error"] = f"{type(err).__name__}: {err}"
        traceback.print_exc()
        if server is not None and server.process is not None:
            _log(f"server log tail:\n{server.log_tail()}")
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if server is not None:
            server.stop()
        if bench_db is not None:
            if args.keep_database:
                _log(f"kept database {bench_db.name}")
            else:
                bench_db.drop()
        results["finished_at"] = datetime.now(UTC).isoformat()
        report.write_json(results, output)
    print()
    print(report.table(results))
    print(f"\nJSON: {output}")
    line = report.summary_line(results)
    if line:
        print(line)
    return status


def _a_real_state(bench_db: BenchDatabase, templates) -> str:
    """Return the committed workflow state of a real mid-flow multi-step dossier."""
    candidates = [t for t in templates if t.kind == "open" and t.procedure in
                  ("ending_substitute_care", "business_household") and t.steps_done >= 2]
    with bench_db.connect() as conn:
        return conn.execute("SELECT workflow_state FROM dossiers WHERE code = %s",
                            (candidates[0].code,)).fetchone()[0]


def _py_spy(server: Server, bench_db: BenchDatabase, staff, settings: Settings, seconds: float,
            stamp: str, *, look_up: bool) -> dict:
    raw = RESULTS / f"{stamp}-py-spy.txt"
    users = max(settings.concurrency)
    _log(f"py-spy: recording the server for {seconds:.0f} s under {users} virtual users")
    recorder = py_spy_record(pid=server.process.pid, seconds=seconds, output=raw)
    try:
        run_phase(server=server, db=bench_db, staff=staff, concurrency=users, warmup_s=1,
                  measure_s=seconds + 2, max_dossiers_per_user=settings.max_dossiers_per_user,
                  supplement_share=settings.supplement_share, look_up=look_up, log=_log)
    finally:
        out, _ = recorder.communicate(timeout=seconds + 120)
    if recorder.returncode != 0 or not raw.exists():
        return {"error": (out or b"").decode(errors="replace")[-2000:]}
    return summarise_py_spy(raw)


def main(argv=None) -> int:
    """Parse the arguments and run."""
    return run(_parse(argv))


if __name__ == "__main__":
    sys.exit(main())
