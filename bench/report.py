"""Print the results as a table and one summary line; write them as JSON."""

import json
import math
from pathlib import Path

from bench.flows import OPERATIONS
from bench.profiling import format_analysis
from bench.stats import ratio


def _ms(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _x(value) -> str:
    return "" if value is None else f"×{value:.1f}" if value >= 10 else f"×{value:.2f}"


def _cell(value, floor) -> str:
    return f"{_ms(value)} {_x(ratio(value, floor))}".strip()


def floor_for(results: dict, concurrency: int) -> dict | None:
    """Return the floor measured at this concurrency."""
    for floor in results.get("floor", []):
        if floor["concurrency"] == concurrency:
            return floor
    return None


def headline(results: dict) -> dict | None:
    """Return the load phase the summary line reports: the highest concurrency.

    A phase of the old request pattern (a look-up after each completion) is the headline
    only when every phase ran that way.
    """
    phases = results.get("load", [])
    current = [p for p in phases if not p.get("look_up_after_complete")] or phases
    return max(current, key=lambda p: p["concurrency"]) if current else None


def server_and_db_ms(phase: dict) -> float | None:
    """Return the CPU of the server and PostgreSQL per completion, in ms."""
    cpu = phase["cpu_ms_per_completion"]
    if cpu["server"] is None or cpu["postgres"] is None:
        return None
    return cpu["server"] + cpu["postgres"]


def summary_line(results: dict) -> str | None:
    """Return `N step completions/s, complete p95 X ms, inbox p95 Y ms, floor ratio Z, …`."""
    phase = headline(results)
    if phase is None:
        return None
    floor = floor_for(results, phase["concurrency"])
    floor_rate = floor["transactions_per_s"] if floor else None
    z = ratio(phase["completions_per_s"], floor_rate)
    ops = phase["operations"]
    return (f"{phase['completions_per_s']:.1f} step completions/s, "
            f"complete p95 {_ms(ops['complete']['p95_ms'])} ms, "
            f"inbox p95 {_ms(ops['inbox']['p95_ms'])} ms, "
            f"floor ratio {'-' if z is None else f'{z:.4f}'}, "
            f"{_ms(server_and_db_ms(phase))} ms server+db CPU per completion")


# The targets of issue 14, read off the headline phase and the backlog's scale points.
TARGET_SERVER_DB_MS = 6.0
TARGET_COMPLETIONS_PER_S = 300.0
TARGET_COMPLETE_P95_MS = 25.0
TARGET_INBOX_P95_MS = 20.0


def targets(results: dict) -> list[str]:
    """Return one line per target, met or missed, and which party's CPU dominates."""
    phase = headline(results)
    if phase is None:
        return []
    ops, cpu = phase["operations"], phase["cpu_ms_per_completion"]
    reads = results.get("scale", {}).get("backlog_reads", {})
    scale_inbox = reads.get("inbox", {}).get("p95_ms")
    rows = [
        ("server+db CPU per completion", server_and_db_ms(phase), TARGET_SERVER_DB_MS, "ms",
         False),
        (f"step completions/s, {phase['concurrency']} users", phase["completions_per_s"],
         TARGET_COMPLETIONS_PER_S, "/s", True),
        (f"complete p95, {phase['concurrency']} users", ops["complete"]["p95_ms"],
         TARGET_COMPLETE_P95_MS, "ms", False),
        (f"inbox p95, {phase['concurrency']} users", ops["inbox"]["p95_ms"],
         TARGET_INBOX_P95_MS, "ms", False),
        ("inbox p95, one client over the backlog", scale_inbox, TARGET_INBOX_P95_MS, "ms",
         False),
    ]
    out = []
    for label, value, target, unit, higher_is_better in rows:
        met = value is not None and (value >= target if higher_is_better else value < target)
        verdict = "met" if met else "MISSED"
        out.append(f"  {label:40} {_ms(value):>8} {unit:3} target "
                   f"{'≥' if higher_is_better else '<'} {target:g}: {verdict}")
    parties = {name: cpu[name] for name in ("server", "postgres", "client")
               if cpu[name] is not None}
    if parties:
        total = sum(parties.values())
        shares = ", ".join(f"{name} {100 * ms / total:.0f} %" for name, ms in
                           sorted(parties.items(), key=lambda item: -item[1]))
        out.append(f"  CPU per completion by party: {shares} (of {total:.1f} ms on the shared "
                   f"cores); the largest is where the next step must cut")
    return out


def table(results: dict) -> str:
    """Return the human-readable report."""
    out = []
    settings, machine = results["settings"], results["machine"]
    out.append(f"motcua benchmark ({results['mode']}) — {machine['cpus']} cores, "
               f"PostgreSQL {machine.get('postgresql', '?')}, gunicorn {settings['workers']} "
               f"workers × {settings['threads']} threads, commit {machine.get('commit', '?')}")
    setup = results.get("setup", {})
    if setup:
        out.append("")
        out.append("Setup")
        for key, label in (("init_s", "motcua init --no-demo"),
                           ("staff_s", f"{setup.get('staff', 0)} users (create_user)"),
                           ("server_start_s", "server start until it answers"),
                           ("templates_s", "template dossiers over HTTP")):
            if key in setup:
                out.append(f"  {label:44} {setup[key]:8.1f} s")
    seed = results.get("seed")
    if seed:
        out.append(f"  seeding {seed['dossiers']:,} dossiers ({seed['open_dossiers']:,} open), "
                   f"{seed['human_tasks']:,} steps ({seed['open_steps']:,} open):")
        out.append(f"    clone {seed['clone_s']:.1f} s + indexes {seed['index_build_s']:.1f} s "
                   f"+ vacuum/analyze {seed['vacuum_analyze_s']:.1f} s = {seed['total_s']:.1f} s"
                   f" ({seed['cloned_open'] + seed['cloned_finished']:,} cloned"
                   f"{', STOPPED EARLY by the seeding budget' if seed['stopped_early'] else ''})")
        out.append(f"    database {seed['database_mb']:,.0f} MB; open steps by department: "
                   + ", ".join(f"{k} {v:,}" for k, v in seed["open_steps_by_department"].items()))
    rolled = results.get("roll_up")
    if rolled:
        out.append(f"  step-timing rollups: {rolled['steps']:,} completed steps into "
                   f"{rolled['rollup_rows']:,} rows in {rolled['roll_up_s']:.1f} s "
                   f"({rolled['steps_per_s']:,.0f} steps/s, the worker's code in one process)")
    for phase in results.get("load", []):
        floor = floor_for(results, phase["concurrency"]) or {}
        flat = floor.get("latency", {})
        out.append("")
        pattern = (", a look-up after each completion (the old pattern)"
                   if phase.get("look_up_after_complete") else "")
        out.append(f"Load: {phase['concurrency']} virtual users{pattern}, "
                   f"{phase['measured_s']:.0f} s measured after {phase['warmup_s']:.0f} s warm-up "
                   f"(ratio = figure / floor at the same concurrency)")
        out.append(f"  {'operation':10} {'count':>7} {'p50 ms':>16} {'p95 ms':>16} "
                   f"{'p99 ms':>16} {'errors':>7}")
        for op in OPERATIONS:
            s = phase["operations"][op]
            out.append(f"  {op:10} {s['count']:7d} {_cell(s['p50_ms'], flat.get('p50_ms')):>16} "
                       f"{_cell(s['p95_ms'], flat.get('p95_ms')):>16} "
                       f"{_cell(s['p99_ms'], flat.get('p99_ms')):>16} {s['errors']:7d}")
        rate_ratio = ratio(phase["completions_per_s"], floor.get("transactions_per_s"))
        out.append(f"  step completions/s {phase['completions_per_s']:10.1f}   "
                   f"(floor {floor.get('transactions_per_s', float('nan')):,.0f} tx/s, "
                   f"ratio {'-' if rate_ratio is None else f'{rate_ratio:.4f}'})")
        out.append(f"  dossiers finished/s {phase['dossiers_finished_per_s']:9.2f}   "
                   f"HTTP requests/s {phase['requests_per_s']:.1f}   errors {phase['errors']}")
        cpu = phase["cpu_ms_per_completion"]
        sealer = phase.get("sealer", {})
        out.append(f"  CPU per completion: server {_ms(cpu['server'])} ms, PostgreSQL "
                   f"{_ms(cpu['postgres'])} ms, load driver {_ms(cpu['client'])} ms (of which "
                   f"the audit sealer {_ms(sealer.get('cpu_ms_per_completion'))} ms, "
                   f"{sealer.get('events', 0):,} events sealed)")
        out.append(f"  CPU busy: benchmark {100 * phase['cpu_utilisation']:.0f} % of the machine, "
                   f"machine {100 * phase['machine_busy']:.0f} % (the rest is other processes), "
                   f"load average {phase['load_average'][0]:.1f}")
        sessions = phase.get("database_sessions", {})
        if sessions.get("mean_sessions"):
            out.append("  PostgreSQL sessions of the bench database, mean per sample:")
            for state, mean in list(sessions["mean_sessions"].items())[:6]:
                out.append(f"    {mean:5.2f}  {state}")
            for statement, mean in list(sessions["blocked_statements"].items())[:3]:
                out.append(f"    {mean:5.2f}  waiting on a lock: {statement}")
        out.append(f"  server RSS (gunicorn master + workers): max {phase['server_rss_max_mb']:.0f}"
                   f" MB, end {phase['server_rss_end_mb']:.0f} MB")
    floors = results.get("floor", [])
    if floors:
        out.append("")
        out.append("Floor: bare psycopg UPDATE dossier state+version, INSERT audit-like row, "
                   "COMMIT")
        for floor in floors:
            lat = floor["latency"]
            out.append(f"  concurrency {floor['concurrency']:2d}: "
                       f"{floor['transactions_per_s']:8.0f} tx/s, p50 {_ms(lat['p50_ms'])} ms, "
                       f"p95 {_ms(lat['p95_ms'])} ms, "
                       f"p99 {_ms(lat['p99_ms'])} ms "
                       f"({floor['state_bytes'] / 1024:.1f} KB state)")
    scale = results.get("scale", {})
    single = floor_for(results, 1) or {}
    single_lat = single.get("latency", {})
    if scale:
        out.append("")
        out.append("Scale points (one client; ratio = figure / floor p50 at concurrency 1)")
    reads = scale.get("backlog_reads")
    if reads:
        f50 = single_lat.get("p50_ms")
        for key, label in (("inbox", "inbox GET /tasks, page 1"),
                           ("inbox_page_20", "inbox GET /tasks?page=20"),
                           ("lookup", "lookup GET /dossiers/{code}")):
            s = reads[key]
            out.append(f"  {label:36} p50 {_cell(s['p50_ms'], f50):>14}  p95 "
                       f"{_cell(s['p95_ms'], f50):>14}  p99 {_ms(s['p99_ms'])} ms")
        for department, s in reads["inbox_by_department"].items():
            sql = reads["inbox_sql"].get(department, {})
            out.append(f"    inbox {department:16} p50 {_ms(s['p50_ms']):>7} ms   SQL alone "
                       f"{_ms(sql.get('execution_ms'))} ms: {sql.get('plan', '?')}")
    sched = scale.get("scheduler")
    if sched:
        f50 = single_lat.get("p50_ms")
        out.append(f"  scheduler over {sched['dossiers']:,} dossiers "
                   f"({sched['due_now']:,} due now):")
        for key, label in (("earliest_due", "earliest_due (MIN next_due_at)"),
                           ("pick_due_handled_0", "pick next due FOR UPDATE SKIP LOCKED"),
                           ("pick_due_handled_100", "  … after 100 handled (keyset)"),
                           ("pick_due_handled_1000", "  … after 1000 handled")):
            s = sched[key]
            out.append(f"    {label:38} p50 {_cell(s['p50_ms'], f50):>14}  p95 "
                       f"{_ms(s['p95_ms'])} ms")
    history = scale.get("long_history")
    if history:
        out.append(f"  restore + complete_step + progress + dump, {history['procedure']} "
                   f"(p50 of {history['repeats']}):")
        for point in history["points"]:
            out.append(f"    {point['loops']:4d} supplement loops: {point['tasks']:5d} tasks, "
                       f"{point['state_kb']:7.1f} KB  total {_ms(point['total']['p50_ms'])} ms "
                       f"(restore {_ms(point['restore']['p50_ms'])}, complete "
                       f"{_ms(point['complete_step']['p50_ms'])}, progress "
                       f"{_ms(point['progress']['p50_ms'])}, dump {_ms(point['dump']['p50_ms'])})")
    reports = scale.get("reports")
    if reports:
        out.append("  reports over the whole backlog, whole local days ending today "
                   "(p50 / p95 ms):")
        for name in sorted({key.rsplit("_", 2)[0] for key in reports}):
            cells = [f"{label} {_ms(reports[f'{name}_{period}']['p50_ms'])} / "
                     f"{_ms(reports[f'{name}_{period}']['p95_ms'])}"
                     for period, label in (("4.5_months", "4.5 months"), ("1_year", "1 year"))
                     if f"{name}_{period}" in reports]
            out.append(f"    {name:24} " + ", ".join(cells))
    profile = results.get("profile")
    if profile and "complete_task" in profile:
        out.append("")
        out.append(f"py-spy on the server ({profile['samples']:.0f} samples, "
                   f"{profile['request_samples']:.0f} in requests; {profile['raw_file']})")
        out += format_analysis("  inside complete_task:", profile["complete_task"])
    verdicts = targets(results)
    if verdicts:
        out.append("")
        out.append("Targets (issue 14)")
        out += verdicts
    if results.get("error"):
        out.append("")
        out.append(f"ERROR: {results['error']}")
    return "\n".join(out)


def write_json(results: dict, path: Path) -> None:
    """Write the results."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False) + "\n",
                    encoding="utf-8")
