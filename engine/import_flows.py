"""Make implicit BPMN flow explicit, as SpiffWorkflow needs it.

Other tools draw several flows leaving a task (a parallel split, or an inclusive one when
the flows carry conditions) and sub-processes without start or end events (their first
activities start at once). SpiffWorkflow refuses both; the import adds the gateways and
events, which the diagram then lacks shapes for.
"""

from lxml import etree

from engine.import_report import EntryKind, ReportEntry, entry_at
from engine.model_problems import FLOW_NODES, scopes
from engine.specs import BPMN_NS, NSMAP

_ACTIVITIES = ("userTask", "scriptTask", "subProcess", "callActivity", "task", "manualTask",
               "intermediateCatchEvent", "intermediateThrowEvent", "startEvent",
               "boundaryEvent")

_AFTER_FLOW_ELEMENTS = ("textAnnotation", "association", "group", "resourceRole", "performer",
                        "humanPerformer", "potentialOwner", "correlationSubscription", "supports")


def make_flow_explicit(process) -> list[ReportEntry]:
    """Add split gateways and missing start/end events in every scope of a process."""
    entries = []
    for scope in scopes(process):
        entries += _split_gateways(scope)
        if scope is not process and scope.get("triggeredByEvent") != "true":
            entries += _start_and_end(scope)
    return entries


def _flows(scope) -> list:
    return list(scope.iterfind("bpmn:sequenceFlow", NSMAP))


def _split_gateways(scope) -> list[ReportEntry]:
    entries = []
    flows = _flows(scope)
    for node in list(scope):
        if not isinstance(node.tag, str) or etree.QName(node).localname not in _ACTIVITIES:
            continue
        outgoing = [f for f in flows if f.get("sourceRef") == node.get("id")]
        if len(outgoing) < 2:
            continue
        conditional = any(f.find("bpmn:conditionExpression", NSMAP) is not None
                          for f in outgoing)
        kind = "inclusiveGateway" if conditional else "parallelGateway"
        gateway = _add_node(scope, kind, f"{node.get('id')}_split")
        default = node.attrib.pop("default", None)
        if default and conditional:
            gateway.set("default", default)
        for flow in outgoing:
            flow.set("sourceRef", gateway.get("id"))
            _move_reference(node, gateway, "outgoing", flow.get("id"))
        _connect(scope, node, gateway)
        entries.append(_added(node, "gateway", f"{len(outgoing)} flows leave this element: an "
                              f"{kind} '{gateway.get('id')}' now splits them, as BPMN means"))
    return entries


def _start_and_end(scope) -> list[ReportEntry]:
    entries = []
    flows = _flows(scope)
    nodes = [n for n in scope if isinstance(n.tag, str)
             and etree.QName(n).localname in FLOW_NODES
             and etree.QName(n).localname != "boundaryEvent"]
    targets = {f.get("targetRef") for f in flows}
    sources = {f.get("sourceRef") for f in flows}
    if not any(etree.QName(n).localname == "startEvent" for n in nodes):
        first = [n for n in nodes if n.get("id") not in targets]
        if len(first) == 1:
            start = _add_node(scope, "startEvent", f"{scope.get('id')}_start")
            _connect(scope, start, first[0])
            entries.append(_added(scope, "start event", "the sub-process had no start event: "
                                  f"'{start.get('id')}' now starts '{first[0].get('id')}'"))
        else:
            entries.append(entry_at(
                EntryKind.REFUSED, scope,
                f"the sub-process has no start event and {len(first)} elements without "
                "incoming flows", "add a start event and connect it"))
    if not any(etree.QName(n).localname == "endEvent" for n in nodes):
        for last in [n for n in nodes if n.get("id") not in sources]:
            end = _add_node(scope, "endEvent", f"{last.get('id')}_end")
            _connect(scope, last, end)
            entries.append(_added(last, "end event", "the sub-process had no end event: "
                                  f"'{end.get('id')}' now follows this element"))
    return entries


def _added(el, shape: str, message: str) -> ReportEntry:
    """Note a node the import added at an element: the diagram has no shape for it yet."""
    return entry_at(EntryKind.CHANGED, el, message, f"draw the {shape} in the diagram")


def fresh_id(anchor, base: str) -> str:
    """Return `base`, or `base_2`, `base_3`…: an id no element of the document has yet."""
    taken = {el.get("id") for el in anchor.getroottree().iter() if isinstance(el.tag, str)}
    ident, number = base, 1
    while ident in taken:
        number += 1
        ident = f"{base}_{number}"
    return ident


def _add_node(scope, kind: str, ident: str, **attributes):
    """Add a flow element where the XSD allows it: before the scope's artifacts."""
    node = etree.Element(f"{{{BPMN_NS}}}{kind}", id=fresh_id(scope, ident), **attributes)
    after = next((i for i, child in enumerate(scope) if isinstance(child.tag, str)
                  and etree.QName(child).localname in _AFTER_FLOW_ELEMENTS), len(scope))
    scope.insert(after, node)
    return node


def _connect(scope, source, target) -> None:
    flow = _add_node(scope, "sequenceFlow", f"{source.get('id')}_to_{target.get('id')}",
                     sourceRef=source.get("id"), targetRef=target.get("id"))
    ident = flow.get("id")
    _reference(source, "outgoing", ident)
    _reference(target, "incoming", ident)


def _reference(node, kind: str, flow: str) -> None:
    """Add an incoming/outgoing child where the XSD wants it: before anything else listed."""
    element = etree.Element(f"{{{BPMN_NS}}}{kind}")
    element.text = flow
    position = sum(1 for child in node if isinstance(child.tag, str) and etree.QName(
        child).localname in ("documentation", "extensionElements", "incoming"))
    if kind == "incoming":
        position = sum(1 for child in node if isinstance(child.tag, str) and etree.QName(
            child).localname in ("documentation", "extensionElements"))
    node.insert(position, element)


def _move_reference(old, new, kind: str, flow: str) -> None:
    for ref in old.iterfind(f"bpmn:{kind}", NSMAP):
        if (ref.text or "").strip() == flow:
            old.remove(ref)
    _reference(new, kind, flow)
