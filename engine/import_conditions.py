"""Conditions drawn in other tools, made Python; decisions drawn without any, made choices.

The variables a condition reads are collected (with the literals they meet) so the intake
form can ask for them and a trial run can take each branch.
"""

from lxml import etree

from engine.import_forms import slug
from engine.import_report import EntryKind, ReportEntry, entry_at
from engine.juel import JuelRefused, is_juel, translate
from engine.scripting import ScriptRejected, check_expression
from engine.specs import BPMN_NS, NSMAP

ROUTE_VARIABLE = "route_{}"


def convert_condition(el, variables: dict[str, list]) -> list[ReportEntry]:
    """Rewrite one conditionExpression as Python in place, noting the variables it reads."""
    text = (el.text or "").strip()
    flow = el.getparent()
    if not text:
        flow.remove(el)
        return [entry_at(EntryKind.CHANGED, flow, "an empty condition was removed")]
    body = text if is_juel(text) else f"${{{text}}}"
    try:
        translation = translate(body)
        check_expression(translation.python)
    except (JuelRefused, ScriptRejected) as err:
        suggestion = getattr(err, "suggestion", "write it as a Python comparison")
        return [entry_at(EntryKind.REFUSED, flow, f"the condition '{text}' cannot be "
                         f"translated: {getattr(err, 'message', err)}", suggestion)]
    for name, literals in translation.variables.items():
        known = variables.setdefault(name, [])
        known += [v for v in literals if v not in known]
    if translation.python == text:
        return []
    el.text = translation.python
    for name in list(el.attrib):
        if name != "id" and etree.QName(name).localname != "type":
            del el.attrib[name]  # the language it was written in no longer applies
    return [entry_at(EntryKind.CHANGED, flow, f"the condition '{text}' became the Python "
                     f"'{translation.python}'")]


def route_bare_branches(process, variables: dict[str, list]) -> list[ReportEntry]:
    """Give unconditioned branches of a decision a choice the intake form asks for.

    The branch nearest an end event becomes the default (unless one is drawn), so data that
    chooses nothing finishes rather than loops.
    """
    entries = []
    for gateway in process.iterfind(".//bpmn:exclusiveGateway", NSMAP):
        scope = gateway.getparent()
        outgoing = [f for f in scope.iterfind("bpmn:sequenceFlow", NSMAP)
                    if f.get("sourceRef") == gateway.get("id")]
        bare = [f for f in outgoing if f.find("bpmn:conditionExpression", NSMAP) is None
                and f.get("id") != gateway.get("default")]
        if len(outgoing) < 2 or not bare:
            continue
        variable = ROUTE_VARIABLE.format(slug(gateway.get("id")))
        if not gateway.get("default"):
            nearest = min(bare, key=lambda f: _distance_to_end(scope, f.get("targetRef")))
            gateway.set("default", nearest.get("id"))
            bare.remove(nearest)
            variables.setdefault(variable, []).append(nearest.get("name") or nearest.get("id"))
        for flow in bare:
            value = flow.get("name") or flow.get("id")
            condition = etree.SubElement(flow, f"{{{BPMN_NS}}}conditionExpression")
            condition.text = f"{variable} == {value!r}"
            variables.setdefault(variable, []).append(value)
        entries.append(entry_at(
            EntryKind.DECIDE, gateway,
            f"the decision had branches without conditions: '{variable}' in the intake form "
            f"now chooses the branch, and flow '{gateway.get('default')}' is the default",
            "write each branch's condition on the case data"))
    return entries


def _distance_to_end(scope, start: str | None) -> int:
    """Count the flows from a node to the nearest end event."""
    successors: dict[str, list[str]] = {}
    for flow in scope.iterfind("bpmn:sequenceFlow", NSMAP):
        successors.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    ends = {e.get("id") for e in scope.iterfind("bpmn:endEvent", NSMAP)}
    seen, frontier, distance = {start}, [start], 0
    while frontier:
        if any(node in ends for node in frontier):
            return distance
        frontier = [n for node in frontier for n in successors.get(node, []) if n not in seen]
        seen.update(frontier)
        distance += 1
    return 1_000_000
