"""The house rules of BPMN models, the one place they are written.

A designer fixing a draft wants the whole list, so `validate_model` walks the XML and keeps
going; `engine.specs.parse_model`, which only loads what SpiffWorkflow can run, still runs and
its error becomes one problem. `check_model` gives the same verdict to `motcua workflows
check` and `motcua init`, stopping at the first error, so every entry point agrees.
"""

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lxml import etree

from engine.deadlines import WAITING_FOR_CITIZEN, StatutoryDeadline
from engine.decisions import decision_problems
from engine.errors import DomainError, Kind, ModelInvalid
from engine.fee_rules import fee_rule_problems
from engine.model_advice import (
    camunda_expression_advice,
    construct_problems,
    executable_problem,
    parser_advice,
)
from engine.model_problems import (
    FLOW_NODES,
    SCOPES,
    Problem,
    Severity,
    is_bpmn,
    label,
    local_name,
    owner_id,
    scopes,
)
from engine.scripting import ScriptRejected, check_expression, check_script
from engine.specs import BPMN_NS, NSMAP, ParsedModel, parse_model
from engine.statuses import DossierStatus, Role
from engine.timer_checks import timer_problems

DEFAULT_MAX_MODEL_BYTES = 2 * 1024 * 1024
HOURS_PER_DAY = 8
REQUIRED_META_KEYS = ("code", "name_vi", "name_en", "process_id", "bpmn", "department",
                      "intake_form", "deadline", "fee", "required_documents")
# Path enumeration is exponential in the number of decisions: past this many visits the
# budget check reports what it saw and says it stopped.
MAX_PATH_VISITS = 50_000
# Where models hold code: expressions are evaluated, scripts executed.
# Timers are expressions too, checked on their own by engine.timer_checks.
EXPRESSION_PATHS = (".//bpmn:conditionExpression", ".//bpmn:loopCardinality",
                    ".//bpmn:completionCondition", ".//bpmn:loopCondition",
                    ".//bpmn:conditionalEventDefinition/bpmn:condition")
SCRIPT_PATHS = (".//bpmn:script", ".//spiffworkflow:preScript", ".//spiffworkflow:postScript")
STEP_ROLES = {Role.HEAD.value, Role.LEADER.value}

_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
# Anything but the five predefined entities and character references needs a DTD.
_ENTITY_REFERENCE = re.compile(
    rb"&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)[A-Za-z_:][\w.:-]*;")


class HostileXml(DomainError):
    """The document is too large or declares a DTD or entities: it is refused unread."""

    kind = Kind.INVALID
    code = "hostile_xml"


class FormLookup(Protocol):
    """Tell whether a form key names a form: a file under forms/, a published or a new one."""

    def __call__(self, key: str) -> bool:
        """Return True when the form exists."""


def is_valid(problems: list[Problem]) -> bool:
    """Tell whether nothing stops publication."""
    return not any(p.severity == Severity.ERROR for p in problems)


def refuse_hostile(bpmn_xml: bytes, *, max_bytes: int = DEFAULT_MAX_MODEL_BYTES) -> None:
    """Raise HostileXml for oversize documents, DTDs, entity declarations and references."""
    if len(bpmn_xml) > max_bytes:
        raise HostileXml(f"the model has {len(bpmn_xml)} bytes, over the limit of {max_bytes} "
                         "(MOTCUA_MAX_MODEL_BYTES)", size=len(bpmn_xml), max_bytes=max_bytes,
                         reason="too_large")
    if b"\x00" in bpmn_xml:
        raise HostileXml("the document contains NUL bytes, which no XML document may contain",
                         reason="nul_bytes")
    if _DECLARATION.search(bpmn_xml):
        raise HostileXml("DOCTYPE and ENTITY declarations are not allowed in BPMN models; "
                         "remove the DTD (a modeler never writes one)", reason="declarations")
    if _ENTITY_REFERENCE.search(bpmn_xml):
        raise HostileXml("entity references other than &lt; &gt; &amp; &quot; &apos; and "
                         "character references are not allowed in BPMN models", reason="entities")


def safe_parse(bpmn_xml: bytes):
    """Parse without resolving entities, loading DTDs or touching the network.

    Raises:
        HostileXml: when the parsed document turns out to carry a DTD or entities, which
            the byte scan misses in a document encoded to hide them (e.g. UTF-7).
        etree.XMLSyntaxError: when the document is not well-formed.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True)
    root = etree.fromstring(bpmn_xml, parser=parser)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise HostileXml("DOCTYPE and ENTITY declarations are not allowed in BPMN models",
                         reason="declarations")
    if next(root.iter(etree.Entity), None) is not None:
        raise HostileXml("entity references are not allowed in BPMN models", reason="entities")
    return root


def validate_model(bpmn_xml: bytes, *, meta: dict, forms: FormLookup, department_codes: set[str],
                   file_name: str, max_bytes: int = DEFAULT_MAX_MODEL_BYTES,
                   decisions: dict[str, str] | None = None) -> list[Problem]:
    """Return every problem of a model, its metadata and its decision tables; empty if none.

    Raises:
        HostileXml: for documents that are refused unread (see `refuse_hostile`).
    """
    refuse_hostile(bpmn_xml, max_bytes=max_bytes)
    decisions = decisions or {}
    for dmn_xml in decisions.values():
        refuse_hostile(dmn_xml.encode("utf-8"), max_bytes=max_bytes)
    problems = list(_meta_problems(meta, forms, department_codes))
    try:
        root = safe_parse(bpmn_xml)
    except etree.XMLSyntaxError as err:
        return [Problem(f"not well-formed XML: {err.msg}", err.lineno or None), *problems]
    meta = meta if isinstance(meta, dict) else {}
    process_id = meta.get("process_id") if isinstance(meta.get("process_id"), str) else None
    model_problems = list(_call_problems(root, process_id))
    executable = executable_problem(root, process_id) if process_id is not None else None
    if executable is not None:
        model_problems.append(executable)
    process_ids = {p.get("id") for p in root.iterfind("bpmn:process", NSMAP) if p.get("id")}
    for process in _processes_run(root, process_id):
        model_problems += construct_problems(process, process_ids)
        model_problems += timer_problems(process)
        model_problems += _step_problems(process, forms, department_codes)
        model_problems += _end_problems(process)
        model_problems += _expression_problems(process)
        model_problems += _gateway_problems(process)
        model_problems += _graph_problems(process)
        if process_id is not None and process.get("id") == process_id:
            model_problems += _budget_problems(process, meta)
    model_problems += [Problem(*found) for found in
                       decision_problems(decisions, root, parse=safe_parse)]
    problems += model_problems
    if process_id is not None and executable is None:
        problems += _parser_problem(bpmn_xml, root, process_id, file_name, model_problems,
                                    decisions)
    return problems


def check_model(bpmn_xml: bytes, *, meta: dict, forms: FormLookup, department_codes: set[str],
                file_name: str, meta_file: str | None = None,
                decisions: dict[str, str] | None = None) -> ParsedModel:
    """Return the parsed model of a procedure; raise ModelInvalid on the first error.

    The verdict is `validate_model`'s, so the CLI, `motcua init` and the designer agree; the
    error names the file (`meta_file` for a metadata problem), line and element.
    """
    try:
        problems = validate_model(bpmn_xml, meta=meta, forms=forms,
                                  department_codes=department_codes, file_name=file_name,
                                  decisions=decisions)
    except HostileXml as err:
        raise ModelInvalid(err.message, file=file_name) from None
    error = next((p for p in problems if p.severity == Severity.ERROR), None)
    if error is not None:
        if (error.element or "").startswith("meta") and meta_file:
            raise ModelInvalid(error.message, file=meta_file)
        if (error.element or "").startswith("decisions."):
            table = str(Path(file_name).with_name(error.element.removeprefix("decisions.")))
            raise ModelInvalid(error.message, file=table, line=error.line)
        raise ModelInvalid(error.message, file=file_name, line=error.line,
                           element=error.element)
    return parse_model(bpmn_xml, process_id=meta["process_id"], file_name=file_name,
                       decisions=decisions)


def unrunnable_problems(bpmn_xml: bytes, process_id: str) -> list[Problem]:
    """Return the problems that would hold the engine for ever once a dossier starts."""
    return list(_call_problems(safe_parse(bpmn_xml), process_id))


def _parser_problem(bpmn_xml: bytes, root, process_id: str, file_name: str,
                    found: list[Problem], decisions: dict[str, str]) -> list[Problem]:
    """Run the loader's own checks (XSD, SpiffWorkflow) and keep what they add, located."""
    try:
        parse_model(bpmn_xml, process_id=process_id, file_name=file_name, decisions=decisions)
    except ModelInvalid as err:
        line, element = err.details.get("line"), err.details.get("element")
        located = _element(root, element) if element else _element_at(root, line)
        if located is not None:
            line, element = line or located.sourceline, located.get("id") or element
        if any((element and p.element == element) or (line and p.line == line) for p in found):
            return []  # the same fault, already described more precisely
        if line is None and any(p.severity == Severity.ERROR for p in found):
            return []  # SpiffWorkflow tripped on something already reported
        tag = local_name(located) if located is not None else None
        return [Problem(parser_advice(_bare_message(err), tag), line or root.sourceline or 1,
                        element)]
    except Exception as err:  # a designer's draft must never become a 500
        if found:
            return []  # SpiffWorkflow tripped on something already reported
        return [Problem(parser_advice(f"{type(err).__name__}: {err}", None),
                        root.sourceline or 1)]
    return []


def _element(root, ident: str | None):
    """Return the element SpiffWorkflow names by id, else by tag; None when neither is found."""
    if not ident:
        return None
    found = root.xpath("//*[@id=$ident]", ident=ident)
    if found:
        return found[0]
    return next(root.iter(f"{{{BPMN_NS}}}{ident}"), None) if ident.isidentifier() else None


def _element_at(root, line: int | None):
    """Return the element with an id on a line the XML schema names, or None."""
    return next((el for el in root.iter() if isinstance(el.tag, str) and el.sourceline == line
                 and el.get("id")), None) if line else None


def _bare_message(err: ModelInvalid) -> str:
    """Drop the 'file …, line …, element …: ' prefix: problems carry those as fields."""
    where = ", ".join(part for part in (
        err.details.get("file") and f"file {err.details['file']}",
        err.details.get("line") and f"line {err.details['line']}",
        err.details.get("element") and f"element {err.details['element']}",
    ) if part)
    prefix = f"{where}: "
    return err.message[len(prefix):] if where and err.message.startswith(prefix) else err.message


# ---- metadata

def _meta_problems(meta: dict, forms: FormLookup, department_codes: set[str]
                   ) -> Iterator[Problem]:
    if not isinstance(meta, dict):
        yield Problem("the procedure metadata must be a JSON object", element="meta")
        return
    missing = [key for key in REQUIRED_META_KEYS if key not in meta]
    if missing:
        yield Problem(f"the procedure metadata lacks {missing}", element="meta")
    department = meta.get("department")
    if "department" in meta and department not in department_codes:
        yield Problem(f"unknown department '{department}'; known: {sorted(department_codes)}",
                      element="meta.department")
    intake = meta.get("intake_form")
    if "intake_form" in meta and not (isinstance(intake, str) and forms(intake)):
        yield Problem(f"intake form '{intake}' is neither under forms/ nor brought by the "
                      "version", element="meta.intake_form")
    if "fee" in meta:
        for problem in fee_rule_problems(meta["fee"]):
            yield Problem(problem, element="meta.fee")
    if "deadline" in meta and statutory_hours(meta) is None:
        yield Problem("the deadline must be an object with 'working_days' (a number) and "
                      "optionally 'same_day' and 'cutoff' (HH:MM)", element="meta.deadline")


def statutory_hours(meta: dict) -> float | None:
    """Return the statutory deadline in working hours, or None if the metadata is malformed."""
    try:
        deadline = StatutoryDeadline.of(meta)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if not math.isfinite(deadline.working_days) or deadline.working_days < 0:
        return None
    hours = deadline.working_days * HOURS_PER_DAY
    return max(hours, HOURS_PER_DAY) if deadline.same_day else hours


# ---- elements

def _calls(root) -> dict[str, list]:
    """Map each process id to the call activities in it."""
    return {process.get("id"): list(process.iterfind(".//bpmn:callActivity", NSMAP))
            for process in root.iterfind("bpmn:process", NSMAP) if process.get("id")}


def _processes_run(root, process_id: str | None) -> list:
    """Return the process a procedure names and every process it calls, directly or not.

    Without a process id, every process of the document.
    """
    processes = {p.get("id"): p for p in root.iterfind("bpmn:process", NSMAP)}
    if process_id is None:
        return list(processes.values())
    if process_id not in processes:
        return []  # the loader's check names the ids the file has
    calls = _calls(root)
    reached = _reach([process_id], {pid: [c.get("calledElement") for c in calls.get(pid, [])
                                          if c.get("calledElement") in processes]
                                    for pid in processes})
    return [process for pid, process in processes.items() if pid in reached]


def _call_problems(root, process_id: str | None) -> Iterator[Problem]:
    """Refuse call activities that call their own process, directly or through others.

    SpiffWorkflow parses such a model, then expands the calls for ever when the first dossier
    starts (`_calculate_depth`): the receipt never answers. A depth-first walk that visits
    each process once, without recursion: a hostile document cannot make it slow or deep.
    """
    calls = _calls(root)
    done: set[str] = set()
    for start in [process_id] if process_id is not None else list(calls):
        if start not in calls or start in done:
            continue
        path, pending = [start], [iter(calls[start])]
        while pending:
            call = next(pending[-1], None)
            if call is None:
                done.add(path.pop())
                pending.pop()
                continue
            called = call.get("calledElement")
            if called in path:
                cycle = " → ".join([*path[path.index(called):], called])
                yield Problem(
                    f"call activity {label(call)} calls process '{called}', which is already "
                    f"running it ({cycle}): the first dossier would never start; a procedure "
                    "must not call itself, directly or through other processes",
                    call.sourceline, call.get("id"))
            elif called in calls and called not in done:
                path.append(called)
                pending.append(iter(calls[called]))


def _lanes_by_node(process) -> dict[str, str | None]:
    """Map node ids to lane names as SpiffWorkflow does: the innermost lane wins."""
    lanes = {}
    for ref in process.iterfind(".//bpmn:flowNodeRef", NSMAP):
        if ref.text is not None:
            lanes[ref.text] = ref.getparent().get("name")
    return lanes


def _properties(el) -> dict[str, str]:
    return {p.get("name"): p.get("value", "")
            for p in el.iterfind("bpmn:extensionElements/spiffworkflow:properties/"
                                 "spiffworkflow:property", NSMAP)}


@dataclass(frozen=True)
class _StepFacts:
    budget: float | None
    counted: bool
    waits_for_citizen: bool


def _step_facts(props: dict[str, str]) -> _StepFacts:
    try:
        budget = float(props.get("budget_hours", ""))
    except ValueError:
        budget = None
    if budget is not None and not (math.isfinite(budget) and budget >= 0):
        budget = None
    try:
        status = DossierStatus(int(props.get("status", "")))
    except ValueError:
        status = None
    return _StepFacts(budget=budget,
                      counted=props.get("counted", "true").strip().lower() != "false",
                      waits_for_citizen=status in WAITING_FOR_CITIZEN)


def _step_problems(process, forms: FormLookup, department_codes: set[str]) -> Iterator[Problem]:
    lanes = _lanes_by_node(process)
    for task in process.iterfind(".//bpmn:userTask", NSMAP):
        ident, line = task.get("id"), task.sourceline
        lane = lanes.get(ident)
        if not lane:
            yield Problem("every human step must sit in a lane named for a department; known: "
                          f"{sorted(department_codes)}", line, ident)
        elif lane not in department_codes:
            yield Problem(f"lane '{lane}' is not a department code; known: "
                          f"{sorted(department_codes)}", line, ident)
        props = _properties(task)
        form = props.get("form")
        if not form:
            yield Problem("missing the 'form' property naming the step's form", line, ident)
        elif not forms(form):
            yield Problem(f"form '{form}' is neither a file forms/{form}.json, a published "
                          "form, nor one of the forms this version brings", line, ident)
        if _step_facts(props).budget is None:
            yield Problem("missing or invalid 'budget_hours' property: give the step's budget "
                          "as a number of working hours, e.g. 4 for half a day", line, ident)
        role = props.get("role") or None
        if role is not None and role not in STEP_ROLES:
            yield Problem(f"'role' must be one of {sorted(STEP_ROLES)}, not '{role}'", line,
                          ident)
        counted = props.get("counted", "true").strip().lower()
        if counted not in ("true", "false"):
            yield Problem(f"'counted' must be true or false, not '{counted}'", line, ident)
        if "status" in props:
            try:
                DossierStatus(int(props["status"]))
            except ValueError:
                yield Problem(f"'status' must be a DVCQG status code 1-10, not "
                              f"'{props['status']}'", line, ident)


def _end_problems(process) -> Iterator[Problem]:
    for end in process.iterfind(".//bpmn:endEvent", NSMAP):
        status = _properties(end).get("status")
        if status is None:
            continue
        try:
            DossierStatus(int(status))
        except ValueError:
            yield Problem(f"'status' must be a DVCQG status code 1-10, not '{status}'",
                          end.sourceline, end.get("id"))


def _expression_problems(process) -> Iterator[Problem]:
    for check, paths in ((check_expression, EXPRESSION_PATHS), (check_script, SCRIPT_PATHS)):
        for path in paths:
            for el in process.iterfind(path, NSMAP):
                code = (el.text or "").strip()
                if not code:
                    continue
                leading = el.text[: len(el.text) - len(el.text.lstrip())]
                line, owner = el.sourceline + leading.count("\n"), owner_id(el.getparent())
                advice = camunda_expression_advice(code)
                if advice is not None:
                    yield Problem(advice, line, owner)
                    continue
                try:
                    check(code)
                except ScriptRejected as err:
                    yield Problem(str(err), line, owner)


def _gateway_problems(process) -> Iterator[Problem]:
    for scope in scopes(process):
        flows = {f.get("id"): f for f in scope.iterfind("bpmn:sequenceFlow", NSMAP)}
        for gateway in scope.iterfind("bpmn:exclusiveGateway", NSMAP):
            ident = gateway.get("id")
            outgoing = [f for f in flows.values() if f.get("sourceRef") == ident]
            default = gateway.get("default")
            if default and default not in {f.get("id") for f in outgoing}:
                yield Problem(f"the default flow '{default}' does not leave this gateway",
                              gateway.sourceline, ident)
            if len(outgoing) < 2:
                continue
            for flow in outgoing:
                condition = flow.find("bpmn:conditionExpression", NSMAP)
                has_condition = condition is not None and (condition.text or "").strip()
                if flow.get("id") == default:
                    if has_condition:
                        yield Problem(f"flow {label(flow)} is the gateway's default, so its "
                                      "condition is ignored; remove it", flow.sourceline,
                                      flow.get("id"), Severity.WARNING)
                elif not has_condition:
                    yield Problem(f"flow {label(flow)} leaves the decision {label(gateway)} "
                                  "without a condition and is not its default: give it a "
                                  "condition or make it the default flow", flow.sourceline,
                                  flow.get("id"))


# ---- the flow graph

@dataclass
class _Graph:
    nodes: dict  # id -> element
    successors: dict[str, list[str]]
    predecessors: dict[str, list[str]]
    entries: list[str]
    exits: set[str]


def _graph(scope) -> _Graph:
    nodes = {el.get("id"): el for el in scope
             if is_bpmn(el) and local_name(el) in FLOW_NODES and el.get("id")}
    successors: dict[str, list[str]] = {ident: [] for ident in nodes}
    predecessors: dict[str, list[str]] = {ident: [] for ident in nodes}

    def connect(source, target):
        if source in nodes and target in nodes:
            successors[source].append(target)
            predecessors[target].append(source)

    for flow in scope.iterfind("bpmn:sequenceFlow", NSMAP):
        connect(flow.get("sourceRef"), flow.get("targetRef"))
    for ident, el in nodes.items():
        if local_name(el) == "boundaryEvent":
            connect(el.get("attachedToRef"), ident)
    links: dict[str, list[str]] = {}
    for ident, el in nodes.items():
        link = el.find("bpmn:linkEventDefinition", NSMAP)
        if link is not None and local_name(el) == "intermediateCatchEvent":
            links.setdefault(link.get("name") or el.get("name") or "", []).append(ident)
    for ident, el in nodes.items():
        link = el.find("bpmn:linkEventDefinition", NSMAP)
        if link is not None and local_name(el) == "intermediateThrowEvent":
            for target in links.get(link.get("name") or el.get("name") or "", []):
                connect(ident, target)
    entries = [ident for ident, el in nodes.items()
               if local_name(el) == "startEvent"
               or (local_name(el) in SCOPES and el.get("triggeredByEvent") == "true")]
    exits = {ident for ident, el in nodes.items() if local_name(el) == "endEvent"}
    return _Graph(nodes, successors, predecessors, entries, exits)


def _reach(starts, edges: dict[str, list[str]]) -> set[str]:
    seen, stack = set(starts), list(starts)
    while stack:
        for nxt in edges[stack.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _graph_problems(process) -> Iterator[Problem]:
    for scope in scopes(process):
        graph = _graph(scope)
        if not graph.entries and graph.nodes:
            yield Problem("the process has no start event", scope.sourceline, scope.get("id"))
        if not graph.exits and graph.nodes:
            yield Problem("the process has no end event", scope.sourceline, scope.get("id"))
        reachable = _reach(graph.entries, graph.successors)
        finishing = _reach(graph.exits, graph.predecessors)
        for ident, el in graph.nodes.items():
            if ident not in reachable:
                yield Problem(f"{label(el)} cannot be reached from the start event: connect "
                              "it or remove it", el.sourceline, ident)
            elif ident not in finishing and not _is_event_subprocess(el):
                yield Problem(f"{label(el)} has no way to an end event: a dossier reaching "
                              "it would never finish; connect it onwards", el.sourceline, ident)


def _is_event_subprocess(el) -> bool:
    return local_name(el) in SCOPES and el.get("triggeredByEvent") == "true"


# ---- budgets against the statutory deadline

def _budget_problems(process, meta: dict) -> Iterator[Problem]:
    limit = statutory_hours(meta)
    if limit is None:
        return
    longest = _longest_path(process, {})
    if longest.truncated:
        yield Problem(f"the model has too many paths to check every one against the deadline; "
                      f"the budgets were checked on the first {MAX_PATH_VISITS} steps walked",
                      process.sourceline, process.get("id"), Severity.WARNING)
    if longest.total > limit + 1e-9:
        end = longest.path[-1] if longest.path else None
        yield Problem(
            f"the counted step budgets along the longest path add up to {longest.total:g} h, "
            f"over the statutory deadline of {limit:g} h ({_deadline_words(meta)}): "
            f"{' → '.join(longest.described)}; shorten the budgets or mark steps that the law "
            "does not count with counted=false",
            end.sourceline if end is not None else None,
            end.get("id") if end is not None else None)


def _deadline_words(meta: dict) -> str:
    deadline = meta.get("deadline", {})
    if deadline.get("same_day") and not deadline.get("working_days"):
        return "same working day = 8 working hours"
    return f"{float(deadline.get('working_days', 0)):g} working days × {HOURS_PER_DAY} h"


@dataclass
class _Longest:
    total: float
    path: list
    described: list[str]
    truncated: bool = False


def _longest_path(scope, memo: dict) -> _Longest:
    """Return the path from a start to an end event with the most counted budget.

    Loops are taken at most once. A loop through a step that waits for the citizen (the
    supplement loop) adds nothing: the statutory clock stops there, so the steps it repeats
    are not counted again.
    """
    key = id(scope)
    if key in memo:
        return memo[key]
    graph = _graph(scope)
    best = _Longest(-1.0, [], [])
    visits = 0
    truncated = False

    def weight(el, repeat_after_supplement: bool) -> tuple[float, str]:
        tag = local_name(el)
        if tag == "userTask":
            facts = _step_facts(_properties(el))
            if not facts.counted or repeat_after_supplement:
                return 0.0, f"{el.get('id')} (not counted)"
            return facts.budget or 0.0, f"{el.get('id')} ({(facts.budget or 0):g} h)"
        if tag in SCOPES:
            inner = _longest_path(el, memo)
            return max(inner.total, 0.0), f"{el.get('id')} ({max(inner.total, 0.0):g} h)"
        if tag in ("startEvent", "endEvent"):
            return 0.0, el.get("id")
        return 0.0, ""

    def walk(ident, seen: dict, total: float, supplement_seen: bool, path: list,
             described: list) -> None:
        nonlocal best, visits, truncated
        visits += 1
        if visits > MAX_PATH_VISITS:
            truncated = True
            return
        count = seen.get(ident, 0) + 1
        if count > 2:
            return
        el = graph.nodes[ident]
        hours, words = weight(el, count > 1 and supplement_seen)
        seen[ident] = count
        path.append(el)
        if words:
            described.append(words)
        total += hours
        if local_name(el) == "userTask" and _step_facts(_properties(el)).waits_for_citizen:
            supplement_seen = True
        if ident in graph.exits and total > best.total:
            best = _Longest(total, list(path), list(described))
        for nxt in graph.successors[ident]:
            walk(nxt, seen, total, supplement_seen, path, described)
        seen[ident] = count - 1
        path.pop()
        if words:
            described.pop()

    for entry in graph.entries:
        walk(entry, {}, 0.0, False, [], [])
    if best.total < 0:
        best = _Longest(0.0, [], [])
    best.truncated = truncated
    memo[key] = best
    return best

