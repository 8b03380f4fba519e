"""The values a BPMN timer gives SpiffWorkflow, and ISO-8601 literals written as bpmn.io does.

A timer field is a Python expression (`"P7D"`, `working_days(3)`), but bpmn.io and Camunda
Modeler write the ISO-8601 text bare (`P7D`, `2026-12-31T17:00:00+07:00`, `R3/PT4H`), which
Python reads as a name or a syntax error. `iso_literal` recognises such text so the engine
hands it to SpiffWorkflow as the string it means; `value_problem` tells whether a value is
one SpiffWorkflow can schedule, with SpiffWorkflow's own parsers, so the check and the
engine never disagree.
"""

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

TIME_DATE, TIME_DURATION, TIME_CYCLE = "timeDate", "timeDuration", "timeCycle"
TIMER_KINDS = (TIME_DATE, TIME_DURATION, TIME_CYCLE)
_NOUNS = {TIME_DATE: "a moment", TIME_DURATION: "a duration", TIME_CYCLE: "a cycle"}
_EXAMPLES = {TIME_DATE: "a moment such as 2026-12-31T17:00:00+07:00 or working_days(3)",
             TIME_DURATION: "a duration such as P7D or PT4H",
             TIME_CYCLE: "a cycle such as R3/PT4H"}
# Parts of a duration that count days, so weekends and holidays are counted with them.
_DAY_DESIGNATORS = ("years", "months", "weeks", "days")


def example(kind: str) -> str:
    """Return what a timer field of this kind expects, in words."""
    return _EXAMPLES[kind]


def iso_literal(text: str) -> str | None:
    """Return the ISO-8601 date, duration or cycle a bare timer text is, or None.

    Quoted text is a Python string already and is left to the expression engine.
    """
    text = text.strip()
    if not text or text[0] in "\"'" or not text[0].isalnum():
        return None
    return text if any(_readable(kind, text) for kind in TIMER_KINDS) else None


def value_problem(kind: str, value: object) -> str | None:
    """Return why SpiffWorkflow could not schedule this timer value, or None when it can."""
    if not isinstance(value, str):
        return f"it gives {type(value).__name__} {value!r}, not {_NOUNS[kind]}"
    if _readable(kind, value):
        return None
    other = next((k for k in TIMER_KINDS if k != kind and _readable(k, value)), None)
    if other is not None:
        return f"'{value}' is {_NOUNS[other]}, which belongs in a {other}, not a {kind}"
    return f"'{value}' is not {_NOUNS[kind]}"


def _readable(kind: str, value: str) -> bool:
    """Tell whether SpiffWorkflow's parser for this kind of timer reads the value."""
    try:
        if kind == TIME_DATE:
            TimerEventDefinition.get_datetime(value)
        elif kind == TIME_DURATION:
            return duration_parts(value) is not None
        else:
            if not value.upper().startswith("R") or "/" not in value:
                return False
            TimerEventDefinition.parse_iso_recurring_interval(value)
    except Exception:  # noqa: BLE001 - SpiffWorkflow's parsers raise bare Exception and others
        return False
    return True


def duration_parts(value: str) -> dict[str, int | float] | None:
    """Return an ISO-8601 duration's parts (days, hours…) as SpiffWorkflow reads them, or None."""
    if not value.upper().startswith("P"):
        return None
    try:
        return TimerEventDefinition.parse_iso_duration(value)
    except Exception:  # noqa: BLE001 - SpiffWorkflow's parser raises bare Exception
        return None


def calendar_days(kind: str, value: str) -> int | None:
    """Return how many whole days an ISO duration or cycle counts, weekends and holidays included.

    None when it counts no days (hours only, or a date); 0 when its days are mixed with other
    parts, so no single number of working days stands for it.
    """
    if kind == TIME_DATE:
        return None
    parsed = duration_parts(value.split("/")[-1] if kind == TIME_CYCLE else value)
    if parsed is None or not any(parsed.get(part) for part in _DAY_DESIGNATORS):
        return None
    days = parsed.get("days")
    only_days = set(parsed) == {"days"} and isinstance(days, int)
    return days if only_days else 0
