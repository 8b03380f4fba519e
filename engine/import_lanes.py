"""Give every user step of an imported process a lane named for a department.

A step's department comes from Camunda's candidate group or assignee through the designer's
mapping (group → department code), then from the lane it was drawn in, then the procedure's
department, which the report lists as a default to check.
"""

from collections import Counter
from collections.abc import Mapping

from lxml import etree

from engine.import_flows import fresh_id
from engine.import_report import EntryKind, ReportEntry, entry_at
from engine.specs import BPMN_NS, NSMAP


def department_of(name: str | None, mapping: Mapping[str, str], codes: set[str]) -> str | None:
    """Return the department a group, assignee or lane name maps to, if any."""
    if not name:
        return None
    name = name.strip()
    if name in mapping:
        return mapping[name]
    by_upper = {code.upper(): code for code in codes}
    return by_upper.get(name.upper())


def assign_lanes(process, steps: dict[str, str | None], *, lines: dict[str, int | None],
                 mapping: Mapping[str, str], codes: set[str], default: str
                 ) -> list[ReportEntry]:
    """Name lanes by department and put every step in one; return what was done.

    `steps` maps each user step's id to the department its group or assignee asked for;
    `lines` gives each step's line in the designer's file.
    """
    entries: list[ReportEntry] = []
    lanes = [lane for lane in process.iterfind(".//bpmn:lane", NSMAP)]
    lane_of = {ref.text.strip(): ref.getparent() for ref in process.iterfind(
        ".//bpmn:flowNodeRef", NSMAP) if ref.text}
    lane_departments = {}
    for lane in lanes:
        wanted = Counter(steps[ref.text.strip()] for ref in lane.iterfind("bpmn:flowNodeRef",
                                                                            NSMAP)
                         if ref.text and steps.get(ref.text.strip()))
        named = department_of(lane.get("name"), mapping, codes)
        department = named or (wanted.most_common(1)[0][0] if wanted else None)
        if department is None and lane.find("bpmn:childLaneSet", NSMAP) is None:
            department = default
            entries.append(entry_at(
                EntryKind.DECIDE, lane,
                f"lane '{lane.get('name') or lane.get('id')}' maps to no department; it is now "
                f"'{default}', the procedure's department",
                "name the department with --map LANE=DEPT, or rename the lane"))
        if department is not None and lane.get("name") != department:
            entries.append(entry_at(
                EntryKind.CHANGED, lane,
                f"lane '{lane.get('name') or ''}' renamed '{department}' (a department code)"))
            lane.set("name", department)
        lane_departments[lane] = department
    placed: dict[str, etree._Element] = {}
    for step, asked in steps.items():
        lane = _enclosing_lane(process, step, lane_of)
        if lane is not None and lane_departments.get(lane):
            if step not in lane_of:  # drawn inside a sub-process that sits in the lane
                etree.SubElement(lane, f"{{{BPMN_NS}}}flowNodeRef").text = step
            if asked and asked != lane_departments[lane]:
                entries.append(ReportEntry(
                    EntryKind.DECIDE, lines.get(step), step,
                    f"the step's group or assignee means department '{asked}', but it is drawn "
                    f"in lane '{lane_departments[lane]}', which wins",
                    "move the step to the right lane in the diagram"))
            continue
        department = asked or default
        if not asked:
            entries.append(ReportEntry(
                EntryKind.DECIDE, lines.get(step), step,
                f"the step has no lane, candidate group or assignee that maps to a department; "
                f"it is given to '{default}', the procedure's department",
                "map its group with --map GROUP=DEPT, or move it to another lane"))
        if department not in placed:
            placed[department] = _lane_named(process, department)
        target = placed[department]
        etree.SubElement(target, f"{{{BPMN_NS}}}flowNodeRef").text = step
    for department, lane in placed.items():
        if lane.sourceline is None:
            entries.append(ReportEntry(
                EntryKind.DECIDE, process.sourceline, lane.get("id"),
                f"lane '{department}' was created for the steps of that department; the "
                "diagram has no shape for it yet", "draw the lane in the designer"))
    return entries


def _enclosing_lane(process, step: str, lane_of: dict):
    """Return the lane of a step, or of the sub-process it is drawn in."""
    element = next((el for el in process.iter() if el.get("id") == step), None)
    while element is not None:
        if element.get("id") in lane_of:
            return lane_of[element.get("id")]
        element = element.getparent()
    return None


def _lane_named(process, department: str):
    for lane in process.iterfind(".//bpmn:lane", NSMAP):
        if lane.get("name") == department and lane.find("bpmn:childLaneSet", NSMAP) is None:
            return lane
    lane_set = process.find("bpmn:laneSet", NSMAP)
    if lane_set is None:
        lane_set = etree.Element(f"{{{BPMN_NS}}}laneSet",
                                 id=fresh_id(process, f"LaneSet_{process.get('id')}"))
        process.insert(_after_extensions(process), lane_set)
    return etree.SubElement(lane_set, f"{{{BPMN_NS}}}lane",
                            id=fresh_id(process, f"Lane_{department}"), name=department)


def _after_extensions(process) -> int:
    """Return where a laneSet goes: after documentation and extension elements (the XSD)."""
    index = 0
    for index, child in enumerate(process):
        if etree.QName(child).localname not in ("documentation", "extensionElements",
                                                "auditing", "monitoring", "property"):
            return index
    return index + 1 if len(process) else 0
