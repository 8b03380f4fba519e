"""Form 04: the apology and new appointment (Phiếu xin lỗi và hẹn lại ngày trả kết quả).

Prints the letter recorded by engine.apologies, as the staff app's letter page shows it.
"""

from engine.apologies import find_apology
from engine.errors import SlipNotApplicable
from engine.models import DeadlineExtension, Department
from engine.slips.forms import SlipFacts, SlipForm, applicant_fields
from engine.slips.layout import SlipPage


def _gather(facts: SlipFacts) -> DeadlineExtension:
    extension = find_apology(facts.session, facts.dossier)
    if extension is None:
        raise SlipNotApplicable(f"dossier {facts.dossier.code}: no apology is recorded",
                                dossier=facts.dossier.code, reason="no_apology")
    return extension


def _write(page: SlipPage, facts: SlipFacts, extension: DeadlineExtension) -> None:
    center = facts.center
    agency = facts.session.get(Department, facts.procedure.department_code).name_vi
    page.paragraph(f"Kính gửi: Ông/Bà {facts.applicant('full_name')}", style="B")
    applicant_fields(page, facts, named=False)  # named in the address above
    page.paragraph(f"Ngày {center.moment(facts.dossier.received_at)}, {agency} tiếp nhận hồ sơ "
                   "đề nghị giải quyết thủ tục hành chính của Ông/Bà.")
    page.field("Thời gian hẹn trả kết quả", center.moment(extension.original_appointment_at))
    page.paragraph(f"Tuy nhiên đến nay, {agency} chưa trả được kết quả giải quyết hồ sơ của "
                   "Ông/Bà.")
    page.field("Lý do", extension.reason)
    page.paragraph(extension.apology)
    page.field("Thời gian hẹn trả kết quả mới", center.moment(extension.new_appointment_at))
    page.paragraph("Xin trân trọng cảm ơn sự hợp tác của Ông/Bà./.")
    page.signatures(("THỦ TRƯỞNG CƠ QUAN", extension.signed_by))


FORM = SlipForm(number="04", name="Phiếu xin lỗi và hẹn lại ngày trả kết quả",
                gather=_gather, write=_write)
