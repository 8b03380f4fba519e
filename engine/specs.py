"""Parse BPMN models safely, check them against the house rules, and describe their steps."""

import hashlib
import math
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

from engine.errors import ModelInvalid
from engine.scripting import ScriptRejected, check_expression, check_script
from engine.statuses import DossierStatus, Role

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
# Where models hold code: expressions are evaluated, scripts executed.
EXPRESSION_PATHS = (".//bpmn:conditionExpression", ".//bpmn:timeDate", ".//bpmn:timeDuration",
                    ".//bpmn:timeCycle", ".//bpmn:loopCardinality", ".//bpmn:completionCondition",
                    ".//bpmn:loopCondition", ".//bpmn:conditionalEventDefinition/bpmn:condition")
SCRIPT_PATHS = (".//bpmn:script", ".//spiffworkflow:preScript", ".//spiffworkflow:postScript")
STEP_ROLES = {Role.HEAD.value, Role.LEADER.value}

# Elements SpiffWorkflow would run wrongly (compensation is parsed as a plain event) or not at all.
UNSUPPORTED_ELEMENTS = {
    "compensateEventDefinition": "compensation events",
    "complexGateway": "complex gateways",
    "transaction": "transactions",
    # SpiffWorkflow waits on these for a person, but only userTasks carry a lane, form and
    # budget: a step must be a userTask.
    "task": "plain tasks (make the step a userTask in a department's lane)",
    "manualTask": "manual tasks (make the step a userTask in a department's lane)",
}


def _safe_xml_parser() -> etree.XMLParser:
    """Return a parser that never resolves entities, loads DTDs or touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True)


@dataclass(frozen=True)
class Step:
    """What the engine needs to know about one human step or end event of a model."""

    bpmn_id: str
    name: str
    lane: str | None
    form_key: str | None
    budget_hours: float
    role: str | None
    status: DossierStatus | None
    counted: bool


@dataclass
class ParsedModel:
    """A validated BPMN model with its SpiffWorkflow specs and step descriptions."""

    hash: str
    process_id: str
    bpmn_xml: str
    spec: object
    subprocess_specs: dict
    steps: dict[str, Step] = field(default_factory=dict)
    end_statuses: dict[str, DossierStatus] = field(default_factory=dict)

    def step(self, bpmn_id: str) -> Step:
        """Return the description of a human step."""
        return self.steps[bpmn_id]


def content_hash(bpmn_xml: bytes) -> str:
    """Return the hash that identifies a model version."""
    return hashlib.sha256(bpmn_xml).hexdigest()


def parse_model(bpmn_xml: bytes, *, process_id: str, file_name: str) -> ParsedModel:
    """Parse and check a BPMN document; raise ModelInvalid naming file, line and element."""
    try:
        tree = etree.fromstring(bpmn_xml, parser=_safe_xml_parser())
    except etree.XMLSyntaxError as err:
        raise ModelInvalid(f"not well-formed XML: {err.msg}", file=file_name,
                           line=err.lineno) from None
    if tree.getroottree().docinfo.internalDTD is not None or b"<!DOCTYPE" in bpmn_xml[:4096]:
        raise ModelInvalid("DTDs are not allowed in BPMN models", file=file_name)
    _refuse_unsupported(tree, file_name)
    for process in tree.iterfind(".//bpmn:process", NSMAP):
        if not process.get("id"):
            raise ModelInvalid("every process needs an id; the procedure names it as process_id",
                               file=file_name, line=process.sourceline, element="process")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(tree, filename=file_name)
        if process_id not in parser.get_process_ids():
            raise ModelInvalid(
                f"no executable process with id '{process_id}'; "
                f"the file has {sorted(parser.get_process_ids())}",
                file=file_name,
            )
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except ValidationException as err:
        raise ModelInvalid(str(err.args[0] if err.args else err), file=file_name,
                           line=err.line_number or None,
                           element=err.id or err.tag or None) from None
    model = ParsedModel(
        hash=content_hash(bpmn_xml),
        process_id=process_id,
        bpmn_xml=bpmn_xml.decode("utf-8"),
        spec=spec,
        subprocess_specs=subprocess_specs,
    )
    lines = {el.get("id"): el.sourceline for el in tree.iter() if el.get("id")}
    _describe_steps(model, [spec, *subprocess_specs.values()], lines, file_name)
    _check_expressions(tree, file_name)
    return model


def _refuse_unsupported(tree, file_name: str) -> None:
    for tag, what in UNSUPPORTED_ELEMENTS.items():
        found = tree.find(f".//bpmn:{tag}", NSMAP)
        if found is not None:
            # An event definition is named by the event that holds it.
            named = found.getparent() if tag.endswith("EventDefinition") else found
            raise ModelInvalid(
                f"{what} are not supported by this engine; remove the element or model the "
                "behaviour with gateways and ordinary events",
                file=file_name, line=found.sourceline, element=_owner_id(named) or tag,
            )


def _describe_steps(model: ParsedModel, specs: list, lines: dict, file_name: str) -> None:
    for process_spec in specs:
        for task_spec in process_spec.task_specs.values():
            props = getattr(task_spec, "extensions", {}).get("properties", {})
            where = {"file": file_name, "line": lines.get(task_spec.bpmn_id),
                     "element": task_spec.bpmn_id}
            if isinstance(task_spec, UserTask):
                model.steps[task_spec.bpmn_id] = _user_step(task_spec, props, where)
            elif isinstance(task_spec, EndEvent) and "status" in props:
                model.end_statuses[task_spec.bpmn_id] = _status(props["status"], where)


def _user_step(task_spec, props: dict, where: dict) -> Step:
    if not task_spec.lane:
        raise ModelInvalid("every human step must sit in a lane named for a department", **where)
    if not props.get("form"):
        raise ModelInvalid("missing the 'form' property naming the step's form under forms/",
                           **where)
    try:
        budget = float(props.get("budget_hours", ""))
    except ValueError:
        budget = math.nan
    if not (math.isfinite(budget) and budget >= 0):
        raise ModelInvalid(
            "missing or invalid 'budget_hours' property: give the step's budget as a number of "
            "working hours, e.g. 4 for half a day", **where)
    role = props.get("role") or None
    if role is not None and role not in STEP_ROLES:
        raise ModelInvalid(f"'role' must be one of {sorted(STEP_ROLES)}, not '{role}'", **where)
    counted = props.get("counted", "true").strip().lower()
    if counted not in ("true", "false"):
        raise ModelInvalid(f"'counted' must be true or false, not '{counted}'", **where)
    return Step(
        bpmn_id=task_spec.bpmn_id,
        name=task_spec.bpmn_name or task_spec.bpmn_id,
        lane=task_spec.lane,
        form_key=props["form"],
        budget_hours=budget,
        role=role,
        status=_status(props["status"], where) if "status" in props else None,
        counted=counted == "true",
    )


def _status(value: str, where: dict) -> DossierStatus:
    try:
        return DossierStatus(int(value))
    except ValueError:
        raise ModelInvalid(
            f"'status' must be a DVCQG status code 1-10, not '{value}'", **where) from None


def _check_expressions(tree, file_name: str) -> None:
    """Compile every condition, timer value and script now rather than when a dossier hits it."""
    for check, paths in ((check_expression, EXPRESSION_PATHS), (check_script, SCRIPT_PATHS)):
        for path in paths:
            for el in tree.iterfind(path, NSMAP):
                _compile(check, el, file_name)


def _compile(check, el, file_name: str) -> None:
    if not (el.text or "").strip():
        return
    try:
        check(el.text.strip())
    except ScriptRejected as err:
        raise ModelInvalid(str(err), file=file_name, line=_code_line(el),
                           element=_owner_id(el.getparent())) from None


def _code_line(el) -> int:
    """Return the line of the code's first non-blank line, where a designer looks for it."""
    leading = el.text[: len(el.text) - len(el.text.lstrip())]
    return el.sourceline + leading.count("\n")


def _owner_id(el) -> str | None:
    """Return the id of the element or of its nearest ancestor that has one."""
    while el is not None and not el.get("id"):
        el = el.getparent()
    return el.get("id") if el is not None else None
