"""Timers drawn in other tools hold ISO-8601 text; motcua's hold Python expressions.

A duration stays calendar time (the ISO text, quoted) unless the designer chooses working
time, which becomes a `working_days(n)` / `working_hours(n)` timeDate. The report asks about
every timer either way: whether a period counts calendar or working days is the law's call.
"""

from lxml import etree

from engine.import_report import EntryKind, ReportEntry, entry_at
from engine.iso_durations import parse_duration, working_time_expression
from engine.juel import is_juel
from engine.scripting import ScriptRejected, check_expression
from engine.specs import BPMN_NS, NSMAP
from engine.timer_values import TIMER_KINDS

_ASK = ("check whether the law counts this period in calendar days or working days; "
        "import with --timers working for working time")


def convert_timer(definition, working: bool) -> list[ReportEntry]:
    """Rewrite one timerEventDefinition in place; return the report's entries about it."""
    owner = definition.getparent()
    value = next((definition.find(f"bpmn:{kind}", NSMAP) for kind in TIMER_KINDS
                  if definition.find(f"bpmn:{kind}", NSMAP) is not None), None)
    text = (value.text or "").strip() if value is not None else ""
    if not text:
        return [entry_at(EntryKind.REFUSED, owner, "the timer has no value",
                            "give it a duration, e.g. P5D, or working_days(5)")]
    if is_juel(text):
        return [entry_at(EntryKind.REFUSED, owner,
                            f"the timer's value '{text}' is a Camunda expression",
                            "give an ISO-8601 duration such as P5D, or working_days(n)")]
    kind = etree.QName(value).localname
    duration = parse_duration(text) if kind == "timeDuration" else None
    if working and duration is not None:
        expression = working_time_expression(duration)
        value.tag = f"{{{BPMN_NS}}}timeDate"
        value.text = expression
        return [entry_at(EntryKind.DECIDE, owner,
                            f"the timer '{text}' now counts working time: {expression}",
                            "check that the law counts this period in working days")]
    if _is_python(text):
        return [entry_at(EntryKind.DECIDE, owner, f"the timer '{text}' is kept as written",
                            _ASK)]
    value.text = repr(text)
    said = "calendar time" if kind != "timeDate" else "a fixed date"
    return [entry_at(EntryKind.DECIDE, owner,
                        f"the timer '{text}' stays {said}, quoted for the engine: {value.text}",
                        _ASK if kind != "timeDate" else "check the date")]


def _is_python(text: str) -> bool:
    """Tell whether a timer already is an expression (a quoted text or a helper call)."""
    if text[:1] in ("'", '"') or "(" in text:
        try:
            check_expression(text)
        except ScriptRejected:
            return False
        return True
    return False
