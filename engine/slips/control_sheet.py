"""Form 06: the processing-control sheet (Phiếu kiểm soát quá trình giải quyết hồ sơ).

Prints the rows engine.control_sheet measures: each handoff, its times and its verdict.
"""

from engine import control_sheet as sheets
from engine.deadlines import Verdict
from engine.slips.forms import SlipFacts, SlipForm, applicant_fields
from engine.slips.layout import SlipPage

VERDICTS = {Verdict.EARLY: "Trước hạn", Verdict.ON_TIME: "Đúng hạn", Verdict.LATE: "Quá hạn",
            sheets.OVERDUE: "Đang quá hạn", sheets.IN_PROGRESS: "Đang xử lý",
            sheets.CANCELLED: "Đã hủy"}


def _gather(facts: SlipFacts) -> sheets.ControlSheet:
    return sheets.control_sheet(facts.session, code=facts.dossier.code, user=facts.user,
                                calendar=facts.calendar, now=facts.now)


def _write(page: SlipPage, facts: SlipFacts, sheet: sheets.ControlSheet) -> None:
    moment = facts.center.moment
    applicant_fields(page, facts)
    page.field("Tiếp nhận", f"{moment(sheet.received_at)} · {sheet.received_by}")
    page.field("Hẹn trả kết quả", moment(sheet.appointment_at))
    page.field("Trạng thái", sheet.status_label_vi)
    page.table(("STT", "Bước", "Bên giao", "Bên nhận", "Giao lúc", "Hoàn thành",
                "Hạn xử lý", "Kết quả"),
               [(str(number), row.step_name, row.giver,
                 f"{row.receiver_department}" + (f" · {row.receiver}" if row.receiver else ""),
                 moment(row.ready_at), moment(row.completed_at), moment(row.due_at),
                 VERDICTS.get(row.verdict, row.verdict))
                for number, row in enumerate(sheet.rows, 1)],
               widths=(9, 30, 22, 24, 22, 22, 22, 19), size=8)


FORM = SlipForm(number="06", name="Phiếu kiểm soát quá trình giải quyết hồ sơ",
                gather=_gather, write=_write)
