"""Parse BPMN models safely into what SpiffWorkflow runs, and describe their steps.

The house rules a model must follow are checked by `engine.validation`, before a model is
loaded from a folder or published; a stored model is parsed here as it was checked.
"""

import hashlib
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

from engine.errors import ModelInvalid
from engine.statuses import DossierStatus

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}


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
    # DMN file name → XML of the decision tables its business rule tasks read.
    decisions: dict[str, str] = field(default_factory=dict)
    end_statuses: dict[str, DossierStatus] = field(default_factory=dict)

    def step(self, bpmn_id: str) -> Step:
        """Return the description of a human step."""
        return self.steps[bpmn_id]


def content_hash(bpmn_xml: bytes, decisions: dict[str, str] | None = None) -> str:
    """Return the hash that identifies a model version: its BPMN and its decision tables.

    A model without decision tables keeps the plain SHA-256 of its BPMN file. With tables,
    each file's name and text are hashed after the BPMN, in name order, so a dossier pinned
    to the hash keeps the tables it started with.
    """
    digest = hashlib.sha256(bpmn_xml)
    for name in sorted(decisions or {}):
        digest.update(b"\0" + name.encode("utf-8") + b"\0" + decisions[name].encode("utf-8"))
    return digest.hexdigest()


def parse_model(bpmn_xml: bytes, *, process_id: str, file_name: str,
                decisions: dict[str, str] | None = None) -> ParsedModel:
    """Parse a BPMN model and its DMN tables; raise ModelInvalid naming file, line, element.

    `decisions` maps DMN file names to their XML. Only what SpiffWorkflow and the XML schemas
    refuse is refused here: check a model that is not yet trusted with
    `engine.validation.check_model`.
    """
    tree = _parsed(bpmn_xml, file_name, "BPMN models")
    for process in tree.iterfind(".//bpmn:process", NSMAP):
        if not process.get("id"):
            raise ModelInvalid("every process needs an id; the procedure names it as process_id",
                               file=file_name, line=process.sourceline, element="process")
    parser = SpiffBpmnParser(validator=VALIDATOR)
    decisions = dict(decisions or {})
    _add_decisions(parser, decisions)
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
        hash=content_hash(bpmn_xml, decisions),
        process_id=process_id,
        bpmn_xml=bpmn_xml.decode("utf-8"),
        spec=spec,
        subprocess_specs=subprocess_specs,
        decisions=decisions,
    )
    lines = {el.get("id"): el.sourceline for el in tree.iter() if el.get("id")}
    _describe_steps(model, [spec, *subprocess_specs.values()], lines, file_name)
    return model


def _parsed(xml: bytes, file_name: str, kind: str):
    """Return the document's root, parsed safely; raise ModelInvalid if malformed or a DTD."""
    try:
        tree = etree.fromstring(xml, parser=_safe_xml_parser())
    except etree.XMLSyntaxError as err:
        raise ModelInvalid(f"not well-formed XML: {err.msg}", file=file_name,
                           line=err.lineno) from None
    if tree.getroottree().docinfo.internalDTD is not None or b"<!DOCTYPE" in xml[:4096]:
        raise ModelInvalid(f"DTDs are not allowed in {kind}", file=file_name)
    return tree


def _add_decisions(parser: SpiffBpmnParser, decisions: dict[str, str]) -> None:
    """Give the parser each decision table file, parsed as safely as the BPMN."""
    for name in sorted(decisions):
        tree = _parsed(decisions[name].encode("utf-8"), name, "decision tables")
        try:
            parser.add_dmn_xml(tree, filename=name)
        except ValidationException as err:
            raise ModelInvalid(str(err.args[0] if err.args else err), file=name,
                               line=err.line_number or None,
                               element=err.id or err.tag or None) from None
        except (KeyError, IndexError, TypeError) as err:  # SpiffWorkflow reads ids unchecked
            raise ModelInvalid(f"SpiffWorkflow cannot read the decision table: "
                               f"{type(err).__name__}: {err}", file=name) from None


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
    try:
        budget = float(props["budget_hours"])
    except (KeyError, ValueError):
        raise ModelInvalid("missing or invalid 'budget_hours' property", **where) from None
    return Step(
        bpmn_id=task_spec.bpmn_id,
        name=task_spec.bpmn_name or task_spec.bpmn_id,
        lane=task_spec.lane,
        form_key=props.get("form"),
        budget_hours=budget,
        role=props.get("role") or None,
        status=_status(props["status"], where) if "status" in props else None,
        counted=props.get("counted", "true").strip().lower() == "true",
    )


def _status(value: str, where: dict) -> DossierStatus:
    try:
        return DossierStatus(int(value))
    except ValueError:
        raise ModelInvalid(
            f"'status' must be a DVCQG status code 1-10, not '{value}'", **where) from None
