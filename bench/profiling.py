"""Where a step completion's time goes.

Two views:
- `py_spy_record`: py-spy samples the real gunicorn server (master and workers, wall time
  including waits) while virtual users drive the mixed load; `run.py --py-spy SECONDS`.
- `python -m bench.profiling [--operation claim]`: pyinstrument profiles whole requests of
  one operation (default `POST /tasks/{id}/complete`: authentication, argument parsing,
  the use case, the response) in-process, through the same Flask app over a WSGI
  transport, on a fresh or a kept bench database.

Both reduce the samples to the share of time inside key functions (inclusive) and to the
library each sample's innermost non-stdlib frame belongs to (exclusive).
"""

import argparse
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

# (label, function name or None for any, module path fragment). Names match with or without
# their class ("restore" matches py-spy's "ProcessRuntime.restore").
KEY_FUNCTIONS = (
    ("authenticate the token", "_authenticate_request", "api/auth.py"),
    ("complete_task use case", "complete_task", "engine/tasks.py"),
    ("  form validation (jsonschema)", "field_errors", "forms/catalog.py"),
    ("  lock the dossier row (SELECT FOR UPDATE)", "one", "sqlalchemy/engine/result.py"),
    ("  restore workflow (deserialize)", "restore", "engine/runtime.py"),
    ("  complete_step (SpiffWorkflow)", "complete_step", "engine/runtime.py"),
    ("  progress (open steps)", "progress", "engine/runtime.py"),
    ("  dump workflow (serialize)", "dump", "engine/runtime.py"),
    ("  close_step (worked hours)", "close_step", "engine/deadlines.py"),
    ("  apply_progress (steps, clock, due)", "apply_progress", "engine/projection.py"),
    ("  audit.append (events, sealed later)", "append", "engine/audit.py"),
    ("  session.commit (flush + COMMIT)", "commit", "sqlalchemy/orm/session.py"),
    ("ORM flush (any caller)", "flush", "sqlalchemy/orm/session.py"),
    ("working calendar (any caller)", None, "engine/calendar.py"),
    ("task_view (response body)", "task_view", "api/views.py"),
    ("SQLAlchemy (any caller)", None, "sqlalchemy/"),
    ("psycopg (any caller)", None, "psycopg/"),
    ("SpiffWorkflow (any caller)", None, "SpiffWorkflow/"),
    ("script sandbox calls (any caller)", None, "engine/sandbox.py"),
)
# Exclusive time goes to the innermost frame that is not in the standard library, by the
# top-level package of its module.
CATEGORIES = {
    "psycopg": "PostgreSQL round trips (psycopg)",
    "psycopg_binary": "PostgreSQL round trips (psycopg)",
    "sqlalchemy": "SQLAlchemy ORM/core",
    "SpiffWorkflow": "SpiffWorkflow",
    "RestrictedPython": "RestrictedPython sandbox",
    "jsonschema": "jsonschema",
    "referencing": "jsonschema",
    "rpds": "jsonschema",
    "marshmallow": "marshmallow/webargs/smorest",
    "webargs": "marshmallow/webargs/smorest",
    "flask_smorest": "marshmallow/webargs/smorest",
    "apispec": "marshmallow/webargs/smorest",
    "flask": "Flask/Werkzeug",
    "werkzeug": "Flask/Werkzeug",
    "flask_sqlalchemy": "Flask/Werkzeug",
    "gunicorn": "gunicorn",
    "holidays": "holidays + calendar",
    "engine": "motcua engine/",
    "api": "motcua api/ + forms/",
    "forms": "motcua api/ + forms/",
    "json": "json (stdlib)",
}
SPECIAL_FILES = {"engine/calendar.py": "holidays + calendar",
                 "engine/sandbox.py": "script sandbox (IPC)",
                 "engine/script_engine.py": "script sandbox (IPC)"}
ROOT = str(Path(__file__).resolve().parent.parent) + "/"
FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _module_path(file: str) -> str:
    """Return the path from the top-level package: pyinstrument gives absolute paths, py-spy
    relative ones."""
    for marker in ("site-packages/", "dist-packages/"):
        if marker in file:
            return file.split(marker, 1)[1]
    if file.startswith(ROOT):
        return file[len(ROOT):]
    match = re.search(r"/lib/python3\.\d+/(.*)$", file)
    if match:
        return match.group(1)
    if file.startswith("<") and "sqlalchemy" in file:
        return "sqlalchemy/<generated>"
    return file


def _parse_frame(frame: str) -> tuple[str, str]:
    match = FRAME.match(frame.strip())
    if not match:
        return frame.strip(), ""
    return match["function"], _module_path(match["file"])


def _named(function: str, name: str) -> bool:
    return function == name or function.endswith("." + name)


def _category(stack: list[tuple[str, str]]) -> str:
    for _, path in reversed(stack):
        if path in SPECIAL_FILES:
            return SPECIAL_FILES[path]
        package = path.split("/", 1)[0].removesuffix(".py")
        if package in CATEGORIES:
            return CATEGORIES[package]
        if not path or package in sys.stdlib_module_names or path.startswith("<"):
            continue
        return "other libraries"
    return "standard library only"


def analyse(stacks: list[tuple[list[str], float]], *, focus: tuple[str, str] | None = None
            ) -> dict:
    """Reduce weighted stacks (root first) to inclusive key-function and exclusive shares.

    With `focus` (function, path fragment), only stacks passing through it count.
    """
    parsed = []
    for frames, weight in stacks:
        stack = [_parse_frame(f) for f in frames]
        if focus and not any(_named(fn, focus[0]) and focus[1] in file for fn, file in stack):
            continue
        parsed.append((stack, weight))
    total = sum(w for _, w in parsed)
    inclusive = {}
    for label, function, fragment in KEY_FUNCTIONS:
        weight = sum(w for stack, w in parsed
                     if any((function is None or _named(fn, function)) and fragment in file
                            for fn, file in stack))
        inclusive[label] = weight / total if total else None
    exclusive = Counter()
    for stack, weight in parsed:
        exclusive[_category(stack)] += weight
    return {
        "weight": total,
        "inclusive_share": inclusive,
        "exclusive_share": {k: v / total for k, v in exclusive.most_common()} if total else {},
    }


def read_collapsed(path: Path) -> list[tuple[list[str], float]]:
    """Read py-spy's raw (collapsed) output: `frame;frame;... count` per line."""
    stacks = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        body, _, count = line.rpartition(" ")
        if body and count.isdigit():
            stacks.append((body.split(";"), float(count)))
    return stacks


def py_spy_record(*, pid: int, seconds: float, output: Path, rate: int = 97
                  ) -> subprocess.Popen:
    """Start py-spy on the gunicorn master and its workers, wall time including waits."""
    py_spy = Path(sys.executable).parent / "py-spy"
    command = [str(py_spy), "record", "--pid", str(pid), "--subprocesses", "--idle",
               "--rate", str(rate), "--duration", str(int(seconds)), "--format", "raw",
               "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def summarise_py_spy(path: Path) -> dict:
    """Analyse a py-spy recording: all request handling, and the complete_task part of it."""
    stacks = read_collapsed(path)
    requests = [(frames, w) for frames, w in stacks if any("full_dispatch_request" in f
                                                          for f in frames)]
    return {
        "samples": sum(w for _, w in stacks),
        "request_samples": sum(w for _, w in requests),
        "all_requests": analyse(requests),
        "complete_task": analyse(requests, focus=("complete_task", "engine/tasks.py")),
        "raw_file": str(path),
    }


def pyinstrument_stacks(session) -> list[tuple[list[str], float]]:
    """Turn a pyinstrument session into weighted stacks of self time."""
    root = session.root_frame(trim_stem=False)
    stacks = []

    def walk(frame, path):
        here = path + [f"{frame.function} ({frame.file_path or ''}:{frame.line_no or 0})"]
        own = frame.time - sum(child.time for child in frame.children)
        if own > 0:
            stacks.append((here, own))
        for child in frame.children:
            walk(child, here)

    if root is not None:
        walk(root, [])
    return stacks


def format_analysis(title: str, analysis: dict) -> list[str]:
    """Return printable lines for an analysis."""
    lines = [title]
    if not analysis["weight"]:
        return lines + ["  (no samples)"]
    lines.append("  inclusive share of time in:")
    for label, share in analysis["inclusive_share"].items():
        if share:
            lines.append(f"    {label:42} {100 * share:5.1f} %")
    lines.append("  exclusive share by library (innermost non-stdlib frame):")
    for label, share in analysis["exclusive_share"].items():
        lines.append(f"    {label:42} {100 * share:5.1f} %")
    return lines


OPERATIONS = {
    "complete": "POST /api/v1/tasks/{id}/complete",
    "claim": "POST /api/v1/tasks/{id}/claim",
    "inbox": "GET /api/v1/tasks",
    "lookup": "GET /api/v1/dossiers/{code}",
    "receive": "POST /api/v1/dossiers",
}


def _operation(method: str, path: str) -> str:
    if path.endswith("/complete"):
        return "complete"
    if path.endswith("/claim"):
        return "claim"
    if path.rstrip("/").endswith("/api/v1/dossiers"):
        return "receive" if method == "POST" else "list"
    if path.startswith("/api/v1/dossiers/"):
        return "lookup"
    if path.rstrip("/").endswith("/api/v1/tasks"):
        return "inbox"
    return "other"


def _statement_kind(statement: str) -> str:
    words = statement.split(None, 3)
    kind = words[0].upper() if words else "?"
    if kind == "SELECT" and "FOR UPDATE" in statement.upper():
        return "SELECT FOR UPDATE"
    return kind


def _profile_in_process(args) -> int:
    import httpx
    from pyinstrument import Profiler
    from sqlalchemy import event

    from api import create_app
    from api.cli import initialise
    from api.extensions import db
    from bench.flows import LOAD_PROCEDURES, Flow
    from bench.pg import DEFAULT_SERVER_URL, BenchDatabase
    from bench.staff import Person, Staff, role_of
    from bench.stats import summarize
    from engine.accounts import create_user
    from engine.sandbox import sandbox_pool
    from tests.scenarios import WORKER

    server_url = os.environ.get("MOTCUA_BENCH_DATABASE_URL", DEFAULT_SERVER_URL)
    fresh = not args.database
    bench_db = (BenchDatabase.create(server_url) if fresh
                else BenchDatabase.existing(server_url, args.database))
    print(f"profiling on database {bench_db.name} ({'fresh' if fresh else 'kept'})")
    profiler = Profiler(interval=0.0005)
    timings = []
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": bench_db.sqlalchemy_url})
        staff = Staff()
        with app.app_context():
            initialise(seed_demo=False)
            now = datetime.now(UTC)
            for (department, required_role), kind in WORKER.items():
                role = role_of(department, required_role)
                username = f"profile.{kind}.{int(time.time() * 1000) % 100000}"
                _, token = create_user(db.session, username=username, role=role,
                                       department_code=department, now=now)
                staff.by_kind.setdefault(kind, []).append(Person(username, role, department,
                                                                 token))
            db.session.remove()
        wsgi = app.wsgi_app
        lock = threading.Lock()
        statements = {"on": False, "count": 0, "by_kind": Counter(), "last": []}
        with app.app_context():
            @event.listens_for(db.engine, "before_cursor_execute")
            def _count(_conn, _cursor, statement, _params, _context, _many):
                if statements["on"]:
                    statements["count"] += 1
                    statements["by_kind"][_statement_kind(statement)] += 1
                    statements["last"].append(" ".join(statement.split())[:110])

        costs: dict[str, list[tuple[float, float, float]]] = {}
        seen = Counter()

        def profiled(environ, start_response):
            # Every request: wall and CPU time of this thread by operation. Every other
            # complete request also runs under pyinstrument and counts its SQL.
            op = _operation(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""))
            with lock:
                seen[op] += 1
                profile = op == args.operation and seen[op] % 2 == 0
                wall, cpu = time.perf_counter(), time.thread_time()
                sandbox_cpu = sandbox_pool().cpu_seconds()
                if profile:
                    statements["on"] = True
                    statements["last"] = []
                    profiler.start()
                try:
                    return list(wsgi(environ, start_response))
                finally:
                    if profile:
                        profiler.stop()
                        statements["on"] = False
                        timings.append(time.perf_counter() - wall)
                    else:
                        costs.setdefault(op, []).append((
                            time.perf_counter() - wall, time.thread_time() - cpu,
                            sandbox_pool().cpu_seconds() - sandbox_cpu))

        app.wsgi_app = profiled
        transport = httpx.WSGITransport(app=app)
        with httpx.Client(transport=transport, base_url="http://motcua.bench") as client:
            flow = Flow(client, staff, [], 0, browse=True)
            for n in range(args.dossiers):
                flow.run(LOAD_PROCEDURES[n % len(LOAD_PROCEDURES)], "happy")
    finally:
        if fresh:
            bench_db.drop()
    session = profiler.last_session
    analysis = analyse(pyinstrument_stacks(session))
    print("server-side cost per request, in-process, one thread (no HTTP, no concurrency):")
    print(f"  {'operation':10} {'count':>6} {'wall p50 ms':>12} {'CPU mean ms':>12} "
          f"{'+ sandbox CPU':>14}")
    for op, values in sorted(costs.items()):
        wall = summarize([w for w, _, _ in values])
        cpu = sum(c for _, c, _ in values) / len(values)
        sandbox = sum(s for _, _, s in values) / len(values)
        print(f"  {op:10} {len(values):6d} {wall['p50_ms']:12.2f} {1000 * cpu:12.2f} "
              f"{1000 * sandbox:14.2f}")
    wall = summarize(timings)
    print(f"{len(timings)} {args.operation} requests under pyinstrument: p50 "
          f"{wall['p50_ms']:.1f} ms")
    per_request = statements["count"] / max(len(timings), 1)
    print(f"SQL statements per {args.operation} request: {per_request:.1f} ("
          + ", ".join(f"{kind} {n / max(len(timings), 1):.1f}"
                      for kind, n in statements["by_kind"].most_common()) + ")")
    if args.sql:
        print(f"statements of the last {args.operation} request:")
        for statement in statements["last"]:
            print(f"  {statement}")
    for line in format_analysis(f"{OPERATIONS[args.operation]}, whole request:", analysis):
        print(line)
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    out = results / f"{time.strftime('%Y%m%dT%H%M%S')}-{args.operation}-pyinstrument.txt"
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False),
                   encoding="utf-8")
    html = out.with_suffix(".html")
    html.write_text(profiler.output_html(), encoding="utf-8")
    print(f"call tree: {out}\nflame view: {html}")
    return 0


def main(argv=None) -> int:
    """Profile one operation's requests in-process with pyinstrument."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dossiers", type=int, default=40,
                        help="dossiers to drive through the load procedures (default 40)")
    parser.add_argument("--operation", choices=sorted(OPERATIONS), default="complete",
                        help="the requests to profile (default complete)")
    parser.add_argument("--sql", action="store_true",
                        help="print the SQL statements of the last profiled request")
    parser.add_argument("--database", help="an existing bench database to use (kept by "
                                           "`run.py --keep-database`); default: a fresh one")
    return _profile_in_process(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
