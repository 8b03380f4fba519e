"""Seed the backlog: a few real dossiers per procedure over HTTP, then bulk clones in SQL.

Receiving a million dossiers over HTTP would take hours, so the real ones serve as
templates: every procedure at every stage of its happy path, waiting for a supplement, and
finished along each of its paths. `INSERT ... SELECT` over generate_series copies their
dossier and step rows with new ids, codes, fresh random workflow_task_ids and timestamps
spread over the past year. Cloned open steps cannot be completed (their workflow task ids
match nothing in the copied workflow state): they are load for inboxes and look-ups.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bench.flows import Flow
from bench.pg import BenchDatabase
from bench.staff import Staff
from tests.scenarios import SCENARIOS

# How often each procedure is received at a commune's one-stop shop (a guess, kept simple).
PROCEDURE_WEIGHTS = {
    "certified_copy": 0.35,
    "birth_registration": 0.25,
    "business_household": 0.15,
    "first_land_registration": 0.10,
    "ending_substitute_care": 0.15,
}
# Finished dossiers by the path they took.
FINISHED_PATHS = {"happy": 0.85, "supplement": 0.08, "refusal": 0.07}
# Share of open dossiers waiting for the citizen's supplement.
WAITING_FOR_SUPPLEMENT = 0.10
# Share of open steps that someone has claimed.
CLAIMED_SHARE = 0.25
OPEN_DAYS = 20  # open dossiers were received over the last 20 days
FINISHED_DAYS = 365  # finished ones over the last year
SLOTS = 1000
TABLES = ("dossiers", "human_tasks")


@dataclass(frozen=True)
class Template:
    """A real dossier the clones copy, open or finished, with its share of its kind."""

    kind: str  # "open" or "done"
    procedure: str
    path: str
    steps_done: int
    weight: float
    code: str = ""


def _plan() -> list[Template]:
    plan = []
    for procedure, weight in PROCEDURE_WEIGHTS.items():
        scenario = SCENARIOS[procedure]
        happy = scenario["happy"]
        open_share = weight * (1 - WAITING_FOR_SUPPLEMENT) / len(happy)
        plan += [Template("open", procedure, "happy", k, open_share) for k in range(len(happy))]
        if "supplement" in scenario:
            waiting = [n for n, (step, _) in enumerate(scenario["supplement"])
                       if step == "request_supplement"][0]
            plan.append(Template("open", procedure, "supplement", waiting,
                                 weight * WAITING_FOR_SUPPLEMENT))
        paths = {p: w for p, w in FINISHED_PATHS.items() if p in scenario}
        total = sum(paths.values())
        plan += [Template("done", procedure, p, len(scenario[p]), weight * w / total)
                 for p, w in paths.items()]
    return plan


def create_templates(*, base_url: str, staff: Staff, log=print) -> list[Template]:
    """Receive and advance one real dossier per template over HTTP; return them with codes."""
    plan = _plan()

    def make(numbered):
        index, template = numbered
        with httpx.Client(base_url=base_url, timeout=120) as client:
            flow = Flow(client, staff, [], index, browse=False)
            code, done, finished = flow.run(template.procedure, template.path,
                                            stop_after=template.steps_done)
        if template.kind == "done" and not finished:
            raise RuntimeError(f"template {template} did not finish")
        return Template(**{**template.__dict__, "code": code})

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        templates = list(pool.map(make, enumerate(plan)))
    log(f"  {len(templates)} template dossiers received and advanced over HTTP "
        f"in {time.perf_counter() - started:.1f} s")
    return templates


def _columns(conn, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (table,)).fetchall()


def _secondary_structures(conn) -> tuple[list[str], list[str]]:
    """Return (drop, create) statements for the unique constraints and indexes of TABLES."""
    drop, create = [], []
    for table, name, definition in conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype = 'u'",
            (list(TABLES),)).fetchall():
        drop.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        create.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for index, definition in conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            (list(TABLES),)).fetchall():
        drop.append(f"DROP INDEX {index}")
        create.append(definition)
    return drop, create


_RAND = """
CREATE FUNCTION pg_temp.bench_rand(i bigint, salt bigint) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (hashint8extended(i, salt) & 9007199254740991)::float8 / 9007199254740992.0 $$
"""


def _mapped(column: str, table_alias: str) -> str:
    """Map a template timestamp onto the clone's timeline, stretched by the factor f."""
    return (f"s.received_at + make_interval(secs => extract(epoch from "
            f"({table_alias}.{column} - s.t_received)) * s.f)")


def _clone_sql(dossier_columns, task_columns, kind: str) -> str:
    """Return the statement that clones one chunk of dossiers and their steps."""
    if kind == "open":
        span = """extract(epoch from (%(now)s - r.received_at)) AS clone_span,
                  extract(epoch from (%(captured)s - t.received_at)) AS tmpl_span,
                  t.outcome AS outcome"""
    else:
        # Finished early, on time or late against the statutory interval, never after now.
        span = """least(
                    greatest(extract(epoch from (coalesce(t.appointment_at, t.received_at
                             + interval '3 days') - t.received_at)), 3600)
                    * CASE WHEN o.u < 0.55 THEN 0.2 + 0.6 * pg_temp.bench_rand(g.i, 4)
                           WHEN o.u < 0.90 THEN 0.85 + 0.15 * pg_temp.bench_rand(g.i, 4)
                           ELSE 1.05 + 0.8 * pg_temp.bench_rand(g.i, 4) END,
                    extract(epoch from (%(now)s - r.received_at)) - 60) AS clone_span,
                  extract(epoch from (t.finished_at - t.received_at)) AS tmpl_span,
                  CASE WHEN t.outcome IS NULL THEN NULL WHEN o.u < 0.55 THEN 'early'
                       WHEN o.u < 0.90 THEN 'on_time' ELSE 'late' END AS outcome"""
    dossier_overrides = {
        "id": "s.new_id",
        "code": "s.code",
        "received_at": "s.received_at",
        "appointment_at": "s.received_at + (t.appointment_at - s.t_received)",
        "remind_at": "s.received_at + (t.remind_at - s.t_received)",
        "timer_due_at": "NULL",
        "outcome": "s.outcome",
        # Open dossiers fall due from an hour ago to ten days ahead; finished ones never.
        "next_due_at": ("%(now)s + make_interval(secs => pg_temp.bench_rand(s.i, 2) * 864000 "
                        "- 3600)") if kind == "open" else "NULL",
    }
    created = _mapped("created_at", "h")
    claim = (f"(h.state = 'ready' AND hd.user_id IS NOT NULL AND "
             f"pg_temp.bench_rand(s.i * 64 + mod(h.id, 64), 5) < {CLAIMED_SHARE})")
    task_overrides = {
        "dossier_id": "s.new_id",
        "dossier_code": "s.code",
        "workflow_task_id": "gen_random_uuid()::text",
        "created_at": created,
        "due_at": f"{created} + (h.due_at - h.created_at)",
        "remind_at": f"{created} + (h.remind_at - h.created_at)",
        "state": f"CASE WHEN {claim} THEN 'claimed' ELSE h.state END",
        "assignee_id": f"CASE WHEN {claim} THEN hd.user_id ELSE h.assignee_id END",
        # The clones' completed steps wait for the rollup like any newly completed step.
        "in_rollup": "false",
        "claimed_at": f"CASE WHEN {claim} THEN greatest({created}, %(now)s - "
                      f"make_interval(secs => pg_temp.bench_rand(s.i, 6) * 86400)) "
                      f"ELSE {_mapped('claimed_at', 'h')} END",
    }

    def select_list(columns, overrides, alias):
        exprs = []
        for name, data_type in columns:
            if name in overrides:
                exprs.append(overrides[name])
            elif data_type.startswith("timestamp"):
                exprs.append(_mapped(name, alias))
            else:
                exprs.append(f"{alias}.{name}")
        return ", ".join(exprs)

    task_columns = [(n, d) for n, d in task_columns if n != "id"]
    return f"""
WITH s AS MATERIALIZED (
  SELECT g.i, %(base)s + g.i AS new_id, t.id AS tid, t.received_at AS t_received,
         r.received_at, x.outcome,
         %(agency)s || '-' || to_char(d.vn_day, 'YYMMDD') || '-' ||
           CASE WHEN d.num < 10000 THEN lpad(d.num::text, 4, '0') ELSE d.num::text END AS code,
         x.clone_span / greatest(x.tmpl_span, 0.001) AS f
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g(i)
  JOIN bench_slots sl ON sl.kind = %(kind)s AND sl.slot = mod(g.i * 7919, %(nslots)s)
  JOIN dossiers t ON t.id = sl.dossier_id
  CROSS JOIN LATERAL (SELECT (%(today)s::date - (1 + mod(g.i - %(j0)s, %(days)s))::int) AS vn_day,
                             (g.i - %(j0)s) / %(days)s + 1 + %(num0)s AS num) d
  CROSS JOIN LATERAL (SELECT (d.vn_day + time '08:00'
                              + make_interval(secs => pg_temp.bench_rand(g.i, 1) * 32400))
                             - interval '7 hours' AS received_at) r
  CROSS JOIN LATERAL (SELECT pg_temp.bench_rand(g.i, 3) AS u) o
  CROSS JOIN LATERAL (SELECT {span}) x
), cloned AS (
  INSERT INTO dossiers ({", ".join(n for n, _ in dossier_columns)})
  SELECT {select_list(dossier_columns, dossier_overrides, "t")}
  FROM s JOIN dossiers t ON t.id = s.tid
)
INSERT INTO human_tasks ({", ".join(n for n, _ in task_columns)})
SELECT {select_list(task_columns, task_overrides, "h")}
FROM s JOIN human_tasks h ON h.dossier_id = s.tid
LEFT JOIN bench_holders hd ON hd.department_code = h.department_code
  AND hd.role = coalesce(h.required_role,
                         CASE WHEN h.department_code = 'RECEPTION' THEN 'receptionist'
                              ELSE 'officer' END)
"""


def clone_backlog(db: BenchDatabase, templates: list[Template], *, total: int, open_: int,
                  agency_code: str, chunk: int, budget_s: float, log=print) -> dict:
    """Clone the templates into `total` dossiers, `open_` of them open; return timings."""
    started = time.perf_counter()
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    today_vn = (now + timedelta(hours=7)).date()
    with db.connect() as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET work_mem = '256MB'")
        # Foreign keys are not checked while loading: the clones reference rows that exist.
        conn.execute("SET session_replication_role = replica")
        conn.execute(_RAND)
        codes = [t.code for t in templates]
        ids = dict(conn.execute("SELECT code, id FROM dossiers WHERE code = ANY(%s)",
                                (codes,)).fetchall())
        conn.execute("CREATE TEMP TABLE bench_slots (kind text, slot int, dossier_id bigint)")
        for kind in ("open", "done"):
            mine = [t for t in templates if t.kind == kind]
            weight = sum(t.weight for t in mine)
            rows, slot = [], 0
            for n, template in enumerate(mine):
                count = max(1, round(SLOTS * template.weight / weight))
                if n == len(mine) - 1:
                    count = max(1, SLOTS - slot)
                rows += [(kind, slot + k, ids[template.code]) for k in range(count)]
                slot += count
            with conn.cursor() as cur:
                cur.executemany("INSERT INTO bench_slots VALUES (%s, %s, %s)", rows)
        nslots = dict(conn.execute("SELECT kind, count(*) FROM bench_slots GROUP BY kind")
                      .fetchall())
        conn.execute("CREATE TEMP TABLE bench_holders AS SELECT DISTINCT ON (department_code, "
                     "role) department_code, role, id AS user_id FROM users "
                     "WHERE username LIKE 'bench.%%' ORDER BY department_code, role, id")
        base = conn.execute("SELECT coalesce(max(id), 0) + 1000 FROM dossiers").fetchone()[0]
        drop, create = _secondary_structures(conn)
        for statement in drop:
            conn.execute(statement)
        conn.commit()
        dossier_columns, task_columns = _columns(conn, "dossiers"), _columns(conn, "human_tasks")
        statements = {kind: _clone_sql(dossier_columns, task_columns, kind)
                      for kind in ("open", "done")}
        open_numbers = open_ // OPEN_DAYS + 2
        seeded = {"open": 0, "done": 0}
        stopped_early = False
        clone_started = time.perf_counter()
        for kind, first, last, j0, days, num0 in (
                ("open", 1, open_, 0, OPEN_DAYS, 0),
                ("done", open_ + 1, total, open_, FINISHED_DAYS, open_numbers)):
            for lo in range(first, last + 1, chunk):
                if time.perf_counter() - started > budget_s:
                    stopped_early = True
                    break
                hi = min(lo + chunk - 1, last)
                conn.execute(statements[kind], {
                    "base": base, "lo": lo, "hi": hi, "kind": kind, "nslots": nslots[kind],
                    "now": now, "captured": now, "today": today_vn, "j0": j0, "days": days,
                    "num0": num0, "agency": agency_code})
                conn.commit()
                seeded[kind] += hi - lo + 1
                done = seeded["open"] + seeded["done"]
                rate = done / (time.perf_counter() - clone_started)
                log(f"    cloned {done:,}/{total:,} dossiers ({rate:,.0f}/s)")
            if stopped_early:
                log(f"  seeding budget of {budget_s:.0f} s used up: stopped at "
                    f"{seeded['open'] + seeded['done']:,} dossiers")
                break
        clone_s = time.perf_counter() - clone_started
        index_started = time.perf_counter()
        for statement in create:
            conn.execute(statement)
        conn.execute("SELECT setval(pg_get_serial_sequence('dossiers', 'id'), "
                     "(SELECT max(id) FROM dossiers))")
        # Receipts later on a cloned day continue after the clones' numbers.
        conn.execute(
            "INSERT INTO dossier_sequences (prefix, last) "
            "SELECT substring(code from '^(.*)-[0-9]+$'), "
            "max(substring(code from '-([0-9]+)$')::int) FROM dossiers WHERE id > %s "
            "GROUP BY 1 ON CONFLICT (prefix) DO UPDATE "
            "SET last = greatest(dossier_sequences.last, excluded.last)", (base,))
        conn.commit()
        index_s = time.perf_counter() - index_started
    analyze_started = time.perf_counter()
    with db.connect(autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) dossiers")
        conn.execute("VACUUM (ANALYZE) human_tasks")
    analyze_s = time.perf_counter() - analyze_started
    stats = {
        "requested_dossiers": total,
        "requested_open": open_,
        "cloned_open": seeded["open"],
        "cloned_finished": seeded["done"],
        "stopped_early": stopped_early,
        "clone_s": clone_s,
        "index_build_s": index_s,
        "vacuum_analyze_s": analyze_s,
        "total_s": time.perf_counter() - started,
    }
    stats.update(describe(db))
    return stats


def roll_up(db: BenchDatabase, *, batch: int, log=print) -> dict:
    """Roll every completed step up, as `motcua worker` does after an upgrade; return timings.

    One process with the worker's code (engine.step_rollups), batch by batch, so the load
    phases start with the rollups caught up, as on a center whose worker runs.
    """
    from engine.calendar import VIETNAM
    from engine.step_rollups import roll_up_completed_steps

    engine = create_engine(db.sqlalchemy_url)
    started = time.perf_counter()
    rolled = 0
    try:
        with Session(engine) as session:
            more = True
            while more:
                count, more = roll_up_completed_steps(session, zone=VIETNAM, batch=batch,
                                                      max_batches=20)
                rolled += count
                elapsed = time.perf_counter() - started
                log(f"    rolled up {rolled:,} completed steps ({rolled / elapsed:,.0f}/s)")
    finally:
        engine.dispose()
    elapsed = time.perf_counter() - started
    with db.connect(autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) human_tasks")
        conn.execute("VACUUM (ANALYZE) step_timing_rollups")
        rollups = conn.execute("SELECT count(*) FROM step_timing_rollups").fetchone()[0]
    return {"steps": rolled, "rollup_rows": rollups, "roll_up_s": elapsed,
            "steps_per_s": rolled / elapsed if elapsed else None,
            "total_s": time.perf_counter() - started}


def describe(db: BenchDatabase) -> dict:
    """Return row counts and sizes of the backlog."""
    with db.connect() as conn:
        dossiers, open_dossiers = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE finished_at IS NULL) FROM dossiers"
        ).fetchone()
        tasks, open_tasks = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE state IN ('ready', 'claimed')) "
            "FROM human_tasks").fetchone()
        by_department = dict(conn.execute(
            "SELECT department_code, count(*) FROM human_tasks "
            "WHERE state IN ('ready', 'claimed') GROUP BY 1 ORDER BY 1").fetchall())
        sizes = dict(conn.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relname IN ('dossiers', 'human_tasks', 'audit_events')").fetchall())
        db_size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    return {
        "dossiers": dossiers,
        "open_dossiers": open_dossiers,
        "human_tasks": tasks,
        "open_steps": open_tasks,
        "open_steps_by_department": by_department,
        "table_mb": {name: size / 2**20 for name, size in sizes.items()},
        "database_mb": db_size / 2**20,
    }
