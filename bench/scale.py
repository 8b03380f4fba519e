"""Scale points: reads against the big backlog, the scheduler's queries, a long history."""

import json
import random
import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import and_, create_engine, func, or_, select
from sqlalchemy.orm import Session

from bench.pg import BenchDatabase
from bench.server import Server
from bench.staff import Staff
from bench.stats import summarize
from tests.scenarios import SCENARIOS, WORKER

INBOX_SQL = """
SELECT human_tasks.*, users.*
FROM human_tasks LEFT OUTER JOIN users ON users.id = human_tasks.assignee_id
WHERE human_tasks.department_code = %s AND human_tasks.state IN ('ready', 'claimed')
ORDER BY human_tasks.due_at, human_tasks.id LIMIT 50 OFFSET %s
"""


def _plan_shape(node: dict) -> str:
    """Return the plan's node chain, e.g. 'Limit > Sort (top-N of 39012 rows) > ...'."""
    parts = []
    while node:
        label = node["Node Type"]
        if node.get("Index Name"):
            label += f" using {node['Index Name']}"
        elif node.get("Relation Name"):
            label += f" on {node['Relation Name']}"
        children = node.get("Plans", [])
        if node["Node Type"] == "Sort" and children:
            rows = children[0].get("Actual Rows", "?")
            label += f" ({node.get('Sort Method', '?')} of {rows} rows)"
        parts.append(label)
        node = children[0] if children else None
    return " > ".join(parts)


def _timed_get(client: httpx.Client, url: str, headers: dict) -> float:
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code} {response.text[:300]}")
    return elapsed


def backlog_reads(*, server: Server, staff: Staff, db: BenchDatabase, requests: int,
                  log=print) -> dict:
    """Time inbox and look-up requests one at a time against the whole backlog."""
    departments = {}
    for (department, role), _ in sorted(WORKER.items(), key=lambda kv: kv[0][1] or ""):
        departments.setdefault(department, staff.worker(department, role, 0))
    with db.connect() as conn:
        low, high = conn.execute("SELECT min(id), max(id) FROM dossiers").fetchone()
        rng = random.Random(7)
        ids = [rng.randint(low, high) for _ in range(requests * 3)]
        codes = [c for (c,) in conn.execute("SELECT code FROM dossiers WHERE id = ANY(%s)",
                                            (ids,)).fetchall()][:requests]
        plans = {}
        for department in departments:
            row = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + INBOX_SQL,
                               (department, 0)).fetchone()[0][0]
            plans[department] = {"execution_ms": row["Execution Time"],
                                 "plan": _plan_shape(row["Plan"])}
        conn.rollback()
    result = {"inbox_by_department": {}, "inbox_sql": plans}
    everyone_inbox, deep_pages = [], []
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        for department, person in departments.items():
            times = [_timed_get(client, "/api/v1/tasks", person.headers)
                     for _ in range(max(1, requests // len(departments)))]
            everyone_inbox += times
            result["inbox_by_department"][department] = summarize(times)
            deep_pages += [_timed_get(client, "/api/v1/tasks?page=20", person.headers)
                           for _ in range(max(1, requests // (4 * len(departments))))]
        person = staff.receptionist(0)
        lookups = [_timed_get(client, f"/api/v1/dossiers/{code}", person.headers)
                   for code in codes]
    result["inbox"] = summarize(everyone_inbox)
    result["inbox_page_20"] = summarize(deep_pages)
    result["lookup"] = summarize(lookups)
    log(f"  backlog reads: inbox p95 {result['inbox']['p95_ms']:.1f} ms, page 20 p95 "
        f"{result['inbox_page_20']['p95_ms']:.1f} ms, "
        f"lookup p95 {result['lookup']['p95_ms']:.1f} ms")
    return result


def scheduler_queries(db: BenchDatabase, *, repeats: int, log=print) -> dict:
    """Time engine.due.earliest_due and fire_all_due's SKIP LOCKED pick on the whole backlog."""
    from engine.due import earliest_due
    from engine.models import Dossier

    engine = create_engine(db.sqlalchemy_url)
    now = datetime.now(UTC)
    result = {}
    try:
        with Session(engine) as session:
            total = session.scalar(select(func.count()).select_from(Dossier))
            due = session.scalar(select(func.count()).select_from(Dossier)
                                 .where(Dossier.next_due_at <= now))
            session.rollback()
            times = []
            for _ in range(repeats):
                started = time.perf_counter()
                earliest_due(session)
                times.append(time.perf_counter() - started)
                session.rollback()
            result["earliest_due"] = summarize(times)
            due_keys = list(session.execute(
                select(Dossier.next_due_at, Dossier.id).where(Dossier.next_due_at <= now)
                .order_by(Dossier.next_due_at, Dossier.id).limit(1000)))
            session.rollback()
            # What fire_all_due runs before each dossier: the next one after the last handled.
            for handled_count in (0, 100, 1000):
                query = (select(Dossier).where(Dossier.next_due_at <= now)
                         .order_by(Dossier.next_due_at, Dossier.id).limit(1)
                         .with_for_update(skip_locked=True))
                if handled_count and len(due_keys) >= handled_count:
                    due_at, last_id = due_keys[handled_count - 1]
                    query = query.where(or_(Dossier.next_due_at > due_at,
                                            and_(Dossier.next_due_at == due_at,
                                                 Dossier.id > last_id)))
                times = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    session.scalars(query).first()
                    times.append(time.perf_counter() - started)
                    session.rollback()
                result[f"pick_due_handled_{handled_count}"] = summarize(times)
    finally:
        engine.dispose()
    result["dossiers"] = total
    result["due_now"] = due
    log(f"  scheduler: earliest_due p50 {result['earliest_due']['p50_ms']:.2f} ms, pick "
        f"p50 {result['pick_due_handled_0']['p50_ms']:.2f} ms (after 1000 handled: "
        f"{result['pick_due_handled_1000']['p50_ms']:.2f} ms), {due:,} of {total:,} due")
    return result


def long_history(*, loops: list[int], repeats: int, log=print) -> dict:
    """Build business-household dossiers with many supplement loops in memory, time a step.

    For each loop count: restore the committed state, complete the review, read the
    progress and dump the new state, as complete_task does around the engine.
    """
    from engine.calendar import WorkingCalendar
    from engine.procedures import WORKFLOWS_DIR, load_departments, load_procedure
    from engine.runtime import ProcessRuntime
    from engine.script_engine import create_script_engine
    from engine.timing import TIMER_HELPERS, EngineClock, engine_clock
    from forms import FormCatalog

    calendar = WorkingCalendar.from_config(
        json.loads((WORKFLOWS_DIR / "calendar.json").read_text(encoding="utf-8")))
    codes = {d["code"] for d in load_departments()}
    model = load_procedure(WORKFLOWS_DIR / "business_household", forms=FormCatalog(),
                           department_codes=codes).model
    # No cache: the scale point times the deserialize, as after a restart or a step another
    # process made; bench.loops measures the cached path through the app.
    runtime = ProcessRuntime(script_engine=create_script_engine(helpers=TIMER_HELPERS),
                             cache_bytes=0)
    scenario = SCENARIOS["business_household"]
    steps = dict(scenario["supplement"][:2])  # review → supplement, request_supplement
    approve = scenario["happy"][0][1]
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

    def step_id(workflow, name):
        for step in runtime.progress(model, workflow).open_steps:
            if step.step.bpmn_id == name:
                return step.workflow_task_id
        raise RuntimeError(f"step {name} is not open")

    results = []
    with engine_clock(EngineClock(now, calendar, now + timedelta(days=3))):
        workflow = runtime.start(model, {**scenario["intake"], "channel": 1})
        built = 0
        build_started = time.perf_counter()
        for target in sorted(loops):
            while built < target:
                for name in ("review", "request_supplement"):
                    runtime.complete_step(workflow, step_id(workflow, name), steps[name])
                built += 1
            build_s = time.perf_counter() - build_started
            state = runtime.dump(workflow)
            review = step_id(workflow, "review")
            timings = {"restore": [], "complete_step": [], "progress": [], "dump": [],
                       "total": []}
            for _ in range(repeats):
                t0 = time.perf_counter()
                restored = runtime.restore(model, state)
                t1 = time.perf_counter()
                runtime.complete_step(restored, review, approve)
                t2 = time.perf_counter()
                runtime.progress(model, restored)
                t3 = time.perf_counter()
                runtime.dump(restored)
                t4 = time.perf_counter()
                for name, value in (("restore", t1 - t0), ("complete_step", t2 - t1),
                                    ("progress", t3 - t2), ("dump", t4 - t3),
                                    ("total", t4 - t0)):
                    timings[name].append(value)
            entry = {"loops": target, "state_kb": len(state.encode()) / 1024,
                     "tasks": len(json.loads(state).get("tasks", {})),
                     "build_s": build_s,
                     **{name: summarize(values) for name, values in timings.items()}}
            results.append(entry)
            log(f"  history of {target} supplement loops: {entry['tasks']} tasks, "
                f"{entry['state_kb']:.0f} KB; restore+complete+dump p50 "
                f"{entry['total']['p50_ms']:.1f} ms")
    return {"procedure": "business_household", "repeats": repeats, "points": results}


def report_queries(db: BenchDatabase, *, repeats: int, log=print) -> dict:
    """Time the supervisor reports over the whole backlog: a 4.5-month period and a year."""
    from engine.calendar import VIETNAM
    from engine.reports import headline, period_of, progress_report, step_timings

    engine = create_engine(db.sqlalchemy_url)
    now = datetime.now(UTC)
    today = now.astimezone(VIETNAM).date()
    # Whole local days ending today, as the API and the CLI ask for them.
    periods = {"4.5_months": 135, "1_year": 365}
    result = {}
    try:
        with Session(engine) as session:
            for label, days in periods.items():
                first = today - timedelta(days=days - 1)
                start, end = period_of(first, today, VIETNAM)
                calls = {
                    "progress_by_procedure": lambda s=start, e=end: progress_report(
                        session, period_start=s, period_end=e, group_by="procedure", now=now),
                    "progress_by_officer": lambda s=start, e=end: progress_report(
                        session, period_start=s, period_end=e, group_by="officer", now=now),
                    "step_timings": lambda f=first: step_timings(
                        session, first_day=f, last_day=today, zone=VIETNAM),
                    "headline": lambda s=start, e=end: headline(
                        session, period_start=s, period_end=e, now=now),
                }
                for name, call in calls.items():
                    times = []
                    for _ in range(repeats):
                        started = time.perf_counter()
                        call()
                        times.append(time.perf_counter() - started)
                        session.rollback()
                    result[f"{name}_{label}"] = summarize(times)
    finally:
        engine.dispose()
    log("  reports: " + ", ".join(f"{name} p50 {figures['p50_ms']:.0f} ms"
                                  for name, figures in result.items()))
    return result
