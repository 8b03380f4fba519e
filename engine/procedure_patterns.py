"""Starting patterns: a whole procedure (model, metadata) from a few catalogue facts.

The generic pattern is the commune's usual internal process: reception receives and
digitises, an officer of the handling department handles (or asks for a supplement, or
refuses), the department's head checks, a leader signs, reception returns the result. Its
counted budgets are scaled to the statutory deadline so they add up to it exactly; the
supplement wait and the return are not counted, as the law says. The model names no
procedure: every procedure of one department and deadline shares the same BPMN (and so the
same stored model), and a designer replaces it by publishing a model of its own.
"""

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from engine.validation import HOURS_PER_DAY

GENERIC_PROCESS_ID = "generic_pattern"
GENERIC_BPMN_FILE = "generic_pattern.bpmn"
GENERIC_FORMS = "generic"
RECEPTION = "RECEPTION"
LEADERSHIP = "LEADERSHIP"
SUPPLEMENT_WAIT_HOURS = 120  # 15 working days for the citizen to complete the dossier
RETURN_HOURS = 4
# Shares of the statutory hours, after the DOMAIN.md 5-day table: receipt half a day,
# check half a day, signature a day, the department's own work the rest.
RECEIVE_SHARE, CHECK_SHARE, SIGN_SHARE = 0.1, 0.1, 0.2
MIN_HOURS = 4  # below half a working day the four counted steps get no hour each


class Pattern(StrEnum):
    """The starting patterns a new procedure can be drawn from."""

    GENERIC = "generic"


@dataclass(frozen=True)
class Budgets:
    """The counted working hours of the generic pattern's steps; they sum to the deadline."""

    receive: int
    handle: int
    check: int
    sign: int


@dataclass(frozen=True)
class PatternProcedure:
    """A procedure drawn from a pattern: its BPMN and its procedure.json metadata."""

    bpmn_xml: bytes
    meta: dict

    def write_folder(self, folder: Path) -> None:
        """Write the procedure as a workflows/-style folder (`motcua workflows check` reads it)."""
        folder.mkdir(parents=True, exist_ok=True)
        (folder / self.meta["bpmn"]).write_bytes(self.bpmn_xml)
        (folder / "procedure.json").write_text(
            json.dumps(self.meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def statutory_hours_of(working_days: int, same_day: bool) -> int:
    """Return the working hours a deadline allows: a same-day procedure has one working day."""
    hours = working_days * HOURS_PER_DAY
    return max(hours, HOURS_PER_DAY) if same_day else hours


def generic_budgets(hours: int) -> Budgets:
    """Split a deadline's working hours among the counted steps, in whole hours.

    Raises:
        ValueError: when the deadline leaves less than MIN_HOURS.
    """
    if hours < MIN_HOURS:
        raise ValueError(f"a deadline of {hours} working hours is too short for the generic "
                         f"pattern (at least {MIN_HOURS})")
    receive = max(1, int(hours * RECEIVE_SHARE))
    check = max(1, int(hours * CHECK_SHARE))
    sign = max(1, int(hours * SIGN_SHARE))
    return Budgets(receive=receive, handle=hours - receive - check - sign, check=check,
                   sign=sign)


def deadline_meta(working_days: int, same_day: bool) -> dict:
    """Return the `deadline` metadata, with its Vietnamese and English wording."""
    if same_day:
        text_vi = "Trong ngày làm việc"
        text_en = "The same working day"
        if working_days:
            text_vi += f"; trường hợp phức tạp không quá {working_days:02d} ngày làm việc"
            text_en += f"; complex cases at most {working_days} working days"
        text_vi, text_en = text_vi + ".", text_en + "."
    else:
        text_vi = f"{working_days:02d} ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ."
        text_en = f"{working_days} working days from receipt of a complete, valid dossier."
    return {"working_days": working_days, "same_day": same_day, "cutoff": None,
            "text_vi": text_vi, "text_en": text_en}


def fee_meta(amount_vnd: int | None) -> dict:
    """Return a fee rule: free when there is no amount, else one flat fee paid at receipt."""
    if not amount_vnd:
        return {"kind": "free", "text_vi": "Không thu phí, lệ phí.", "text_en": "No fee."}
    return {"kind": "flat", "collect_at": "receipt", "label_vi": "Phí, lệ phí",
            "amount_vnd": amount_vnd,
            "text_vi": f"{amount_vnd:,} đồng/hồ sơ.".replace(",", "."),
            "text_en": f"{amount_vnd:,} VND per dossier."}


def generic_procedure(*, code: str, name_vi: str, name_en: str, department: str,
                      working_days: int, same_day: bool = False, fee_vnd: int | None = None,
                      required_documents: list[dict] | None = None,
                      catalogue: dict | None = None) -> PatternProcedure:
    """Return a procedure on the generic pattern handled by `department`.

    `catalogue` holds what the catalogue says beyond the model (e.g. field and level); it
    is kept in the metadata under that key.
    """
    budgets = generic_budgets(statutory_hours_of(working_days, same_day))
    meta = {
        "code": code, "name_vi": name_vi, "name_en": name_en,
        "process_id": GENERIC_PROCESS_ID, "bpmn": GENERIC_BPMN_FILE,
        "department": department, "intake_form": f"{GENERIC_FORMS}/intake",
        "pattern": str(Pattern.GENERIC),
        "deadline": deadline_meta(working_days, same_day), "fee": fee_meta(fee_vnd),
        "required_documents": required_documents or [],
        "clock_on_resubmit": "restart",
    }
    if catalogue:
        meta["catalogue"] = catalogue
    return PatternProcedure(bpmn_xml=generic_bpmn(department, budgets), meta=meta)


# ---- the model

@dataclass(frozen=True)
class _Step:
    id: str
    name: str
    lane: str
    form: str
    budget: int
    role: str | None = None
    status: int | None = None
    counted: bool = True
    documentation: str = ""


_LANE_HEIGHT, _LANE_TOP, _LEFT = 200, 80, 160
_X = {"start": 240, "receive": 340, "join_handle": 520, "handle": 620, "gw_handle": 800,
      "request_supplement": 770, "end_refused": 807, "check": 920, "sign": 1090,
      "return_result": 1260, "end_returned": 1440}


def generic_bpmn(department: str, budgets: Budgets) -> bytes:
    """Return the generic pattern's BPMN for a department and its step budgets."""
    lanes = [RECEPTION, department, LEADERSHIP]
    steps = [
        _Step("receive", "Tiếp nhận hồ sơ, số hóa, chuyển phòng chuyên môn", RECEPTION,
              "receive", budgets.receive, documentation=(
                  "Công chức Bộ phận Một cửa tiếp nhận, số hóa hồ sơ và chuyển phòng chuyên "
                  "môn xử lý.")),
        _Step("handle", "Thẩm định hồ sơ, dự thảo kết quả", department, "handle",
              budgets.handle, documentation=(
                  "Công chức phòng chuyên môn thẩm định hồ sơ và dự thảo kết quả, hoặc đề "
                  "nghị bổ sung, hoặc từ chối (nêu rõ lý do).")),
        _Step("request_supplement", "Yêu cầu bổ sung hồ sơ", RECEPTION, "request_supplement",
              SUPPLEMENT_WAIT_HOURS, status=5, counted=False, documentation=(
                  "Bộ phận Một cửa thông báo cho người nộp hồ sơ danh mục giấy tờ cần bổ "
                  "sung; thời gian chờ bổ sung không tính vào thời hạn giải quyết; khi nhận "
                  "đủ, thời hạn tính lại từ đầu.")),
        _Step("check", "Kiểm tra dự thảo, trình ký", department, "check", budgets.check,
              role="head", documentation=(
                  "Trưởng phòng kiểm tra dự thảo và trình lãnh đạo Ủy ban nhân dân ký.")),
        _Step("sign", "Ký kết quả giải quyết", LEADERSHIP, "sign", budgets.sign,
              role="leader", documentation="Lãnh đạo Ủy ban nhân dân ký kết quả."),
        _Step("return_result", "Trả kết quả", RECEPTION, "return_result", RETURN_HOURS,
              status=9, counted=False, documentation=(
                  "Trả kết quả cho công dân; thời gian trả kết quả không tính vào thời hạn "
                  "giải quyết.")),
    ]
    node_lane = {"start": RECEPTION, "join_handle": department, "gw_handle": department,
                 "end_refused": department, "end_returned": RECEPTION,
                 **{s.id: s.lane for s in steps}}
    flows = [
        ("Flow_start", "start", "receive", None, None),
        ("Flow_received", "receive", "join_handle", None, None),
        ("Flow_to_handle", "join_handle", "handle", None, None),
        ("Flow_handled", "handle", "gw_handle", None, None),
        ("Flow_approve", "gw_handle", "check", "Hợp lệ", 'handle_decision == "approve"'),
        ("Flow_supplement", "gw_handle", "request_supplement", "Cần bổ sung",
         'handle_decision == "supplement"'),
        ("Flow_refuse", "gw_handle", "end_refused", "Từ chối", 'handle_decision == "refuse"'),
        ("Flow_supplement_back", "request_supplement", "join_handle", None, None),
        ("Flow_checked", "check", "sign", None, None),
        ("Flow_signed", "sign", "return_result", None, None),
        ("Flow_returned", "return_result", "end_returned", None, None),
    ]
    incoming = {n: [f[0] for f in flows if f[2] == n] for n in node_lane}
    outgoing = {n: [f[0] for f in flows if f[1] == n] for n in node_lane}

    def refs(node: str) -> str:
        return "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in incoming[node]) + "".join(
            f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in outgoing[node])

    def props(pairs: list[tuple[str, object]]) -> str:
        inner = "".join(f'<spiffworkflow:property name="{k}" value="{v}" />' for k, v in pairs)
        return ("<bpmn:extensionElements><spiffworkflow:properties>"
                f"{inner}</spiffworkflow:properties></bpmn:extensionElements>")

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions '
        'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
        'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="Definitions_generic_pattern" '
        'targetNamespace="https://motcua.example/bpmn/generic_pattern" exporter="motcua" '
        'exporterVersion="1.0">\n',
        '<bpmn:collaboration id="Collaboration_generic_pattern"><bpmn:participant '
        'id="Participant_generic_pattern" name="Quy trình mẫu chung" '
        f'processRef="{GENERIC_PROCESS_ID}" /></bpmn:collaboration>\n',
        f'<bpmn:process id="{GENERIC_PROCESS_ID}" name="Quy trình mẫu chung" '
        'isExecutable="true">\n<bpmn:laneSet id="LaneSet_generic_pattern">\n',
    ]
    for lane in lanes:
        nodes = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>"
                        for n, owner in node_lane.items() if owner == lane)
        parts.append(f'<bpmn:lane id="Lane_{lane}" name={quoteattr(lane)}>{nodes}</bpmn:lane>\n')
    parts.append("</bpmn:laneSet>\n")
    parts.append(f'<bpmn:startEvent id="start" name="Hồ sơ nộp đến">{refs("start")}'
                 "</bpmn:startEvent>\n")
    for step in steps:
        pairs: list[tuple[str, object]] = [("form", f"{GENERIC_FORMS}/{step.form}"),
                                           ("budget_hours", step.budget)]
        if step.role:
            pairs.append(("role", step.role))
        if step.status is not None:
            pairs.append(("status", step.status))
        if not step.counted:
            pairs.append(("counted", "false"))
        parts.append(f'<bpmn:userTask id="{step.id}" name="{step.name}"><bpmn:documentation>'
                     f"{step.documentation}</bpmn:documentation>{props(pairs)}{refs(step.id)}"
                     "</bpmn:userTask>\n")
    parts.append('<bpmn:exclusiveGateway id="join_handle" gatewayDirection="Converging">'
                 f'{refs("join_handle")}</bpmn:exclusiveGateway>\n')
    parts.append('<bpmn:exclusiveGateway id="gw_handle" name="Kết quả thẩm định?" '
                 f'gatewayDirection="Diverging">{refs("gw_handle")}</bpmn:exclusiveGateway>\n')
    parts.append(f'<bpmn:endEvent id="end_refused" name="Từ chối giải quyết">'
                 f'{props([("status", 3)])}{refs("end_refused")}</bpmn:endEvent>\n')
    parts.append(f'<bpmn:endEvent id="end_returned" name="Đã trả kết quả">'
                 f'{props([("status", 10)])}{refs("end_returned")}</bpmn:endEvent>\n')
    for ident, source, target, name, condition in flows:
        label = f' name="{name}"' if name else ""
        head = f'<bpmn:sequenceFlow id="{ident}"{label} sourceRef="{source}" targetRef="{target}"'
        if condition is None:
            parts.append(head + " />\n")
        else:
            parts.append(head + '><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
                         f"{escape(condition)}</bpmn:conditionExpression>"
                         "</bpmn:sequenceFlow>\n")
    parts.append("</bpmn:process>\n")
    parts.append(_diagram(lanes, node_lane, flows))
    parts.append("</bpmn:definitions>\n")
    return "".join(parts).encode("utf-8")


def _diagram(lanes: list[str], node_lane: dict[str, str], flows: list) -> str:
    """Lay the pattern out: one row per lane, steps left to right."""
    width = _X["end_returned"] + 120 - _LEFT
    top = {lane: _LANE_TOP + i * _LANE_HEIGHT for i, lane in enumerate(lanes)}
    boxes = {}
    for node, lane in node_lane.items():
        w, h = (120, 80) if node in ("receive", "handle", "request_supplement", "check", "sign",
                                      "return_result") else (
            (50, 50) if node.startswith(("join", "gw")) else (36, 36))
        y = top[lane] + (_LANE_HEIGHT - h) // 2
        if node == "request_supplement":
            y = top[lane] + 10  # above the receipt row's flow
        boxes[node] = (_X[node], y, w, h)
    out = ['<bpmndi:BPMNDiagram id="BPMNDiagram_generic_pattern"><bpmndi:BPMNPlane '
           'id="BPMNPlane_generic_pattern" bpmnElement="Collaboration_generic_pattern">\n',
           f'<bpmndi:BPMNShape id="Participant_generic_pattern_di" '
           f'bpmnElement="Participant_generic_pattern" isHorizontal="true"><dc:Bounds '
           f'x="{_LEFT}" y="{_LANE_TOP}" width="{width}" '
           f'height="{_LANE_HEIGHT * len(lanes)}" /></bpmndi:BPMNShape>\n']
    for lane in lanes:
        out.append(f'<bpmndi:BPMNShape id="Lane_{lane}_di" bpmnElement="Lane_{lane}" '
                   f'isHorizontal="true"><dc:Bounds x="{_LEFT + 30}" y="{top[lane]}" '
                   f'width="{width - 30}" height="{_LANE_HEIGHT}" /></bpmndi:BPMNShape>\n')
    for node, (x, y, w, h) in boxes.items():
        out.append(f'<bpmndi:BPMNShape id="{node}_di" bpmnElement="{node}"><dc:Bounds x="{x}" '
                   f'y="{y}" width="{w}" height="{h}" /></bpmndi:BPMNShape>\n')
    for ident, source, target, _name, _condition in flows:
        (sx, sy, sw, sh), (tx, ty, tw, th) = boxes[source], boxes[target]
        start, end = (sx + sw, sy + sh // 2), (tx, ty + th // 2)
        if tx <= sx:  # a flow going back: leave from the top, enter from the top
            start, end = (sx + sw // 2, sy), (tx + tw // 2, ty)
            points = [start, (start[0], min(sy, ty) - 20), (end[0], min(sy, ty) - 20), end]
        else:
            points = [start, ((start[0] + end[0]) // 2, start[1]),
                      ((start[0] + end[0]) // 2, end[1]), end]
        waypoints = "".join(f'<di:waypoint x="{x}" y="{y}" />' for x, y in points)
        out.append(f'<bpmndi:BPMNEdge id="{ident}_di" bpmnElement="{ident}">{waypoints}'
                   "</bpmndi:BPMNEdge>\n")
    out.append("</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>\n")
    return "".join(out)
