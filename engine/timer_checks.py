"""Check a model's timers as the first dossier will run them, before it is published.

SpiffWorkflow evaluates a timer only when a dossier reaches it, so a timer that cannot be
scheduled passes its parser and fails on the first dossier. Here each timer is evaluated in
the sandbox, with the engine's helpers and a sample clock, and its value is read with
SpiffWorkflow's own parsers. A timer that reads the dossier's data cannot be evaluated
without it: its expression is only compiled.
"""

import ast
import builtins
from collections.abc import Iterator
from datetime import datetime, timedelta

from engine.calendar import VIETNAM, WorkingCalendar
from engine.model_advice import camunda_expression_advice
from engine.model_problems import FLOW_NODES, Problem, Severity, local_name, owner_id
from engine.script_engine import SandboxedEnvironment
from engine.scripting import ScriptRejected, check_expression
from engine.specs import NSMAP
from engine.timer_values import (
    TIMER_KINDS,
    calendar_days,
    example,
    iso_literal,
    value_problem,
)
from engine.timing import TIMER_HELPERS, EngineClock, engine_clock

# A working Monday morning: what a timer gives then is what it gives on any dossier.
SAMPLE_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
_KNOWN_NAMES = set(TIMER_HELPERS) | set(dir(builtins))
# Distinct timer expressions evaluated per process: each is a round trip to a sandbox
# process, and a hostile model could hold thousands. Past this, they are only compiled.
MAX_SAMPLED_TIMERS = 50


def timer_problems(process) -> Iterator[Problem]:
    """Yield what would stop each timer of the process on the first dossier, and warnings."""
    findings: dict[tuple[str, str], list[tuple[str, Severity]]] = {}
    for kind in TIMER_KINDS:
        for el in process.iterfind(f".//bpmn:{kind}", NSMAP):
            text = el.text or ""
            leading = text[: len(text) - len(text.lstrip())]
            line, owner = el.sourceline + leading.count("\n"), _event_id(el)
            key = (kind, text.strip())
            if key not in findings:
                sample = len(findings) < MAX_SAMPLED_TIMERS
                findings[key] = list(_timer_findings(kind, key[1], sample=sample))
            for message, severity in findings[key]:
                yield Problem(message, line, owner, severity)


def _timer_findings(kind: str, code: str, *, sample: bool) -> Iterator[tuple[str, Severity]]:
    if not code:
        yield f"the timer's {kind} is empty; give it {example(kind)}.", Severity.ERROR
        return
    advice = camunda_expression_advice(code)
    if advice is not None:
        yield advice, Severity.ERROR
        return
    value = iso_literal(code)
    if value is None:
        try:
            check_expression(code)
        except ScriptRejected as err:
            yield f"{err}; a {kind} is a Python expression giving {example(kind)}.", Severity.ERROR
            return
        if not (sample and _reads_only_helpers(code)):
            return  # it reads the dossier's data: checked when a dossier reaches it
        try:
            value = _sample_value(code)
        except Exception as err:  # noqa: BLE001 - any failure here is the designer's to fix
            yield (f"the timer fails when a dossier reaches it: {type(err).__name__}: "
                   f"{str(err).rstrip('.')}; give it {example(kind)}."), Severity.ERROR
            return
    problem = value_problem(kind, value)
    if problem is not None:
        yield (f"the timer would fail on the first dossier: {problem}; give the {kind} "
               f"{example(kind)}."), Severity.ERROR
        return
    days = calendar_days(kind, value)
    if days is not None:
        yield (f"'{value}' counts calendar days, weekends and public holidays included, while "
               "the law counts most time limits in working days; if working days were meant, "
               f"write working_days({days or 'n'}) in a timeDate instead."), Severity.WARNING


def _event_id(el) -> str | None:
    """Return the id of the event the timer belongs to, which the designer sees."""
    event = next((a for a in el.iterancestors() if local_name(a) in FLOW_NODES), None)
    return owner_id(event if event is not None else el.getparent())


def _reads_only_helpers(code: str) -> bool:
    tree = ast.parse(code, mode="eval")
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return names <= _KNOWN_NAMES


def _sample_value(code: str) -> object:
    clock = EngineClock(now=SAMPLE_NOW, calendar=WorkingCalendar(),
                        appointment_at=SAMPLE_NOW + timedelta(days=7))
    with engine_clock(clock):
        return SandboxedEnvironment(TIMER_HELPERS).evaluate(code, {})
