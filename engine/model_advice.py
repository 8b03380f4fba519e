"""What motcua tells a designer about BPMN it cannot run: each message says what to do.

`motcua workflows check`, the designer page and `motcua workflows import` read the same words
from here. Constructs are found in our own pass over the XML, before SpiffWorkflow parses, so
each problem is ours and located; what SpiffWorkflow still refuses is re-worded by
`parser_advice` and located by the element it names (SpiffWorkflow's errors carry no line).
"""

import re
from collections.abc import Iterator

from engine.juel import juel_body
from engine.model_problems import (
    FLOW_NODES,
    Problem,
    Severity,
    is_bpmn,
    label,
    local_name,
    owner_id,
)
from engine.specs import NSMAP

# What SpiffWorkflow runs wrongly or not at all, and what motcua never delivers. Each was
# checked on SpiffWorkflow 3.2 (see tests/unit/test_validation.py and test_model_advice.py).
UNSUPPORTED = {
    "compensateEventDefinition": (
        "compensation events are not supported by this engine (SpiffWorkflow runs them as "
        "plain events); model the undo with a gateway and ordinary steps."),
    "complexGateway": (
        "complex gateways are not supported by this engine; use exclusive, inclusive or "
        "parallel gateways."),
    "transaction": (
        "transactions are not supported by this engine; use an ordinary sub-process."),
    "eventBasedGateway": (
        "event-based gateways are not supported: SpiffWorkflow keeps one due time for all of "
        "a gateway's timers, the first one's, so a shorter timer listed later never fires; "
        "and motcua delivers no messages or signals; use a timer boundary event on the step."),
    "task": (
        "a plain task waits for a person but has no lane check, form or budget, and stops the "
        "dossier with an engine incident; make it a user task."),
    "manualTask": (
        "manual tasks wait for a person but have no form or budget, and stop the dossier with "
        "an engine incident; make it a user task."),
    "receiveTask": (
        "receive tasks wait for a message, and motcua delivers no messages: the dossier "
        "would wait forever; make it a user task where an officer records the reply."),
    "serviceTask": (
        "service tasks are not supported: motcua calls no outside system from a model; make "
        "it a script task if it computes something from the dossier's data, or a user task "
        "if a person does the work."),
    "sendTask": (
        "send tasks are not supported: motcua sends no messages to other systems; make it a "
        "user task if an officer sends something, or remove it."),
}
WAITS_FOR_DELIVERY = ("messageEventDefinition", "signalEventDefinition")
WAITS_FOREVER = ("this event waits for a message or signal, and motcua delivers none: the "
                 "dossier would wait forever; use a user step or a timer.")
STARTS_NEVER = ("a start event that waits for a message or signal never starts a dossier: "
                "motcua starts dossiers at reception; make it a plain start event.")
NEVER_FIRES = ("this boundary event waits for a message or signal, and motcua delivers none: "
               "it never fires; remove it, or use a timer boundary event.")
SENT_NOWHERE = ("this event sends a message that nothing receives: motcua exchanges no "
                "messages with other systems; make it a plain event or remove it.")
CATCHES_NOTHING = ("this event waits for nothing: it has no timer, message or other definition, "
                   "and the engine cannot run it; give it a timer, or make it an intermediate "
                   "throw event if it only marks a milestone.")
DATA_STORE = ("data stores are not supported: motcua keeps a dossier's data in its forms and "
              "task data; remove the data store and its associations, and record what the "
              "step keeps in a field of its form.")
# Nodes SpiffWorkflow lets split the flow; every other node leaves by one sequence flow.
_SPLITTERS = {"startEvent", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
              "eventBasedGateway", "complexGateway"}
_REFERENCES = {"errorRef": "error", "escalationRef": "escalation", "messageRef": "message",
               "signalRef": "signal"}
_ELEMENT_REPR = re.compile(r"<Element \{[^}]*\}(?P<tag>\w+) at 0x[0-9a-f]+>")
_NAMESPACE = re.compile(r"\{http://www\.omg\.org/spec/BPMN/20100524/MODEL\}")
_ANY_NAMESPACE = re.compile(r"\{[^}]*\}")


def construct_problems(process, process_ids: set[str]) -> Iterator[Problem]:
    """Yield the constructs of a process that motcua cannot run, each with what to do."""
    outgoing: dict[str, list[str]] = {}
    for flow in process.iterfind(".//bpmn:sequenceFlow", NSMAP):
        outgoing.setdefault(flow.get("sourceRef"), []).append(flow.get("id"))
    for el in process.iter():
        if not is_bpmn(el):
            continue
        tag = local_name(el)
        if tag in UNSUPPORTED:
            owner = el.getparent() if tag.endswith("EventDefinition") else el
            yield Problem(UNSUPPORTED[tag], el.sourceline, owner_id(owner) or tag)
        elif el.get("isForCompensation", "false").strip().lower() == "true":
            yield Problem(UNSUPPORTED["compensateEventDefinition"], el.sourceline, owner_id(el))
        elif tag.endswith("Event"):
            yield from _event_problems(el, tag)
        elif tag == "callActivity":
            yield from _call_problems(el, process_ids)
        elif tag in ("dataInputAssociation", "dataOutputAssociation"):
            yield from _data_problems(el, process)
        leaving = outgoing.get(el.get("id"), ())
        if tag in FLOW_NODES and tag not in _SPLITTERS and len(leaving) > 1:
            yield _split_problem(el, leaving)


def _event_problems(event, tag: str) -> Iterator[Problem]:
    if tag in ("intermediateCatchEvent", "boundaryEvent") and not any(
            local_name(child).endswith("EventDefinition") for child in event):
        yield Problem(CATCHES_NOTHING, event.sourceline, event.get("id"))
        return
    yield from _dangling_references(event)
    if not any(event.find(f"bpmn:{d}", NSMAP) is not None for d in WAITS_FOR_DELIVERY):
        return
    ident, line = event.get("id"), event.sourceline
    if tag == "intermediateCatchEvent":
        yield Problem(WAITS_FOREVER, line, ident)
    elif tag == "startEvent":
        in_process = local_name(event.getparent()) == "process"
        yield Problem(STARTS_NEVER if in_process else NEVER_FIRES, line, ident,
                      Severity.ERROR if in_process else Severity.WARNING)
    elif tag == "boundaryEvent":
        yield Problem(NEVER_FIRES, line, ident, Severity.WARNING)
    elif event.find("bpmn:messageEventDefinition", NSMAP) is not None:
        yield Problem(SENT_NOWHERE, line, ident, Severity.WARNING)


def _dangling_references(event) -> Iterator[Problem]:
    """Refuse an event definition naming an error, escalation, message or signal not defined.

    SpiffWorkflow 3.2 trips on its own error path there (a TypeError) instead of saying so.
    """
    root = event.getroottree().getroot()
    for definition in event:
        for attribute, kind in _REFERENCES.items():
            ref = definition.get(attribute)
            if ref and not root.xpath("//*[@id=$ident]", ident=ref):
                yield Problem(
                    f"this event refers to {kind} '{ref}', which the file does not define; "
                    f"define it (a bpmn:{kind} element under bpmn:definitions) or remove the "
                    "reference.", definition.sourceline, event.get("id"))


def _call_problems(call, process_ids: set[str]) -> Iterator[Problem]:
    called = call.get("calledElement")
    if called in process_ids:
        return
    found = ", ".join(f"'{p}'" for p in sorted(process_ids))
    yield Problem(
        f"call activity {label(call)} calls process '{called or ''}', which is not in this "
        f"file (it has {found}); put the called process in this same file, or publish it as "
        "a procedure of its own and remove the call.", call.sourceline, call.get("id"))


def _data_problems(association, process) -> Iterator[Problem]:
    end = "sourceRef" if local_name(association) == "dataInputAssociation" else "targetRef"
    ref = association.find(f"bpmn:{end}", NSMAP)
    target = (ref.text or "").strip() if ref is not None else ""
    if not target:
        return
    owner = association.getparent()
    found = process.xpath(".//*[@id=$ident]", ident=target)
    kind = local_name(found[0]) if found else ""
    if kind == "dataStoreReference":
        yield Problem(f"{label(owner)} reads or writes data store {label(found[0])}: "
                      f"{DATA_STORE}", association.sourceline, owner.get("id"))
    elif kind == "dataObjectReference" and process.xpath(
            ".//bpmn:dataObject[@id=$ident]", namespaces=NSMAP,
            ident=found[0].get("dataObjectRef") or ""):
        return
    elif kind != "dataObject":
        yield Problem(f"a data association of {label(owner)} points to '{target}', which is "
                      "no data object of this process; add the data object to the process or "
                      "remove the association.", association.sourceline, owner.get("id"))


def _split_problem(node, outgoing: list[str]) -> Problem:
    return Problem(
        f"{label(node)} has {len(outgoing)} outgoing flows ({', '.join(outgoing)}), and a "
        "step or event leaves by one; add an exclusive gateway after it to choose one path "
        "(conditions on the gateway's flows), or a parallel gateway to take them all.",
        node.sourceline, node.get("id"))


def executable_problem(root, process_id: str) -> Problem | None:
    """Return the problem when the procedure's process is missing or not executable."""
    found = {p.get("id"): p for p in root.iterfind("bpmn:process", NSMAP) if p.get("id")}
    process = found.get(process_id)
    if process is not None and is_executable(process):
        return None
    listed = ", ".join(f"'{pid}' ({'' if is_executable(p) else 'not '}executable)"
                       for pid, p in found.items()) or "none"
    nameless = next((p for p in root.iterfind("bpmn:process", NSMAP) if not p.get("id")), None)
    if process is None and nameless is not None:
        return Problem(f"this process has no id; give it the id '{process_id}' that "
                       "procedure.json names as process_id.", nameless.sourceline)
    if process is None:
        return Problem(f"the file has no process with id '{process_id}' (processes: {listed}); "
                       "set process_id in procedure.json to one of them, or give the process "
                       "that id.", root.sourceline or 1)
    return Problem(f"process '{process_id}' is not marked executable (processes: {listed}); "
                   'set isExecutable="true" on it (in the modeler: tick "Executable" in the '
                   "process's properties).", process.sourceline, process_id)


def is_executable(process) -> bool:
    """Tell whether a process is marked executable (isExecutable="true")."""
    return process.get("isExecutable", "").strip().lower() == "true"


def finding_and_action(advice: str) -> tuple[str, str]:
    """Split advice into what is wrong and what to do: the action follows its last '; '."""
    finding, _, action = advice.rpartition("; ")
    return finding, action


def camunda_expression_advice(code: str) -> str | None:
    """Return advice for a Camunda (JUEL) `${…}` or `#{…}` expression, or None for others."""
    body = juel_body(code)
    if body is None:
        return None
    inner = " ".join(body.split())
    return (f"'{' '.join(code.split())}' is a Camunda (JUEL) expression, and motcua's are "
            f"written in Python: write it without the braces, e.g. `{inner}` (in Python: and, "
            "or, not, ==, None, True, False), or import the file with `motcua workflows "
            "import`, which translates plain comparisons.")


def parser_advice(message: str, tag: str | None) -> str:
    """Re-word an error of SpiffWorkflow or of the BPMN schema as advice in motcua's words."""
    if message.startswith("A Service Task must have an operator"):
        return UNSUPPORTED["serviceTask"]
    if message.startswith("Multiple outgoing flows are not supported"):
        return ("this element has more than one outgoing flow, and a step or event leaves by "
                "one; add an exclusive gateway after it to choose one path, or a parallel "
                "gateway to take them all.")
    if message.startswith("Cannot resolve data"):
        return ("a data association of this element points to something that is neither a data "
                "object of this process nor a data store motcua knows; add the data object or "
                "remove the association.")
    if message.startswith("No DMN Diagram available"):
        return ("this business rule task names no decision table the procedure provides; give "
                "it the id of a DMN decision table kept with the procedure "
                "(spiffworkflow:calledDecisionId), or use a script task or a gateway with "
                "conditions.")
    if message.startswith("The process '") and "was not found" in message:
        called = message.split("'")[1]
        return (f"process '{called}' is called but not in this file; put the called process "
                "in this same file, or publish it as a procedure of its own and remove the "
                "call.")
    text = _ELEMENT_REPR.sub(lambda m: f"'{m['tag']}'", message)
    text = _ANY_NAMESPACE.sub("", _NAMESPACE.sub("bpmn:", text)).strip().rstrip(".:;,")
    what = f" ({tag})" if tag else ""
    return (f"the BPMN loader refuses this element{what}: {text}. Correct it in the modeler, "
            "or remove it if the procedure does not need it.")
