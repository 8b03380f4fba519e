"""Form 03: the refusal slip (Phiếu từ chối tiếp nhận giải quyết hồ sơ), with the reason."""

from engine.dossiers import citizen_notice
from engine.errors import SlipNotApplicable
from engine.slips.forms import SlipFacts, SlipForm, applicant_fields
from engine.slips.layout import SlipPage


def _gather(facts: SlipFacts) -> str:
    reason = citizen_notice(facts.session, facts.dossier).refusal_reason
    if not reason:
        raise SlipNotApplicable(f"dossier {facts.dossier.code}: the dossier was not refused",
                                dossier=facts.dossier.code, reason="not_refused")
    return reason


def _write(page: SlipPage, facts: SlipFacts, reason: str) -> None:
    page.paragraph(f"{facts.center.name} tiếp nhận hồ sơ đề nghị giải quyết thủ tục của:")
    applicant_fields(page, facts)
    page.field("Tiếp nhận lúc", facts.center.moment(facts.dossier.received_at))
    page.paragraph("Sau khi nghiên cứu, đối chiếu với quy định, hồ sơ không đủ điều kiện giải "
                   "quyết vì lý do sau:", style="B")
    page.paragraph(reason)
    page.paragraph("Xin thông báo để Ông/Bà được biết và thực hiện.")
    page.signatures(("NGƯỜI TIẾP NHẬN HỒ SƠ", facts.user.display_name))


FORM = SlipForm(number="03", name="Phiếu từ chối tiếp nhận giải quyết hồ sơ",
                gather=_gather, write=_write)
