"""Form 02: the request to supplement the dossier (Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ).

The law asks for one complete list of what is missing, given once: the list the officer
wrote when asking for the supplement (engine.dossiers.citizen_notice).
"""

from engine.dossiers import citizen_notice
from engine.errors import SlipNotApplicable
from engine.slips.forms import SlipFacts, SlipForm, applicant_fields, received_by
from engine.slips.layout import SlipPage


def _gather(facts: SlipFacts) -> list[str]:
    missing = citizen_notice(facts.session, facts.dossier).missing_documents
    if not missing:
        raise SlipNotApplicable(f"dossier {facts.dossier.code}: no supplement is requested",
                                dossier=facts.dossier.code, reason="no_supplement_request")
    return missing


def _write(page: SlipPage, facts: SlipFacts, missing: list[str]) -> None:
    page.paragraph(f"{facts.center.name} đã tiếp nhận hồ sơ của:")
    applicant_fields(page, facts)
    page.field("Tiếp nhận lúc", facts.center.moment(facts.dossier.received_at))
    page.paragraph("Sau khi kiểm tra, hồ sơ cần bổ sung, hoàn thiện những nội dung sau:",
                   style="B")
    page.items(missing)
    page.paragraph("Ông/Bà vui lòng bổ sung, hoàn thiện hồ sơ theo hướng dẫn trên. Thời gian "
                   "giải quyết được tính lại từ khi nhận đủ hồ sơ. Quá 15 ngày làm việc không "
                   "bổ sung, hồ sơ được kết thúc.")
    page.signatures(("NGƯỜI HƯỚNG DẪN", facts.user.display_name),
                    ("NGƯỜI TIẾP NHẬN HỒ SƠ", received_by(facts)))


FORM = SlipForm(number="02", name="Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
                gather=_gather, write=_write)
