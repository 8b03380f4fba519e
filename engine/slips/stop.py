"""Form 05: the stop notice (Phiếu dừng xử lý hồ sơ), for a dossier stopped or withdrawn."""

from engine.errors import SlipNotApplicable
from engine.models import DossierStatusChange, User
from engine.slips.forms import SlipFacts, SlipForm, applicant_fields
from engine.slips.layout import SlipPage
from engine.statuses import DossierStatus
from engine.stops import ending

_WHY = {
    DossierStatus.STOPPED: "Hồ sơ được dừng xử lý theo quyết định của cơ quan giải quyết.",
    DossierStatus.CITIZEN_WITHDRAWAL: "Hồ sơ được dừng xử lý theo đề nghị rút hồ sơ của "
                                      "Ông/Bà.",
}


def _gather(facts: SlipFacts) -> DossierStatusChange:
    change = ending(facts.session, facts.dossier)
    if change is None:
        raise SlipNotApplicable(f"dossier {facts.dossier.code}: the dossier is not stopped",
                                dossier=facts.dossier.code, reason="not_stopped")
    return change


def _write(page: SlipPage, facts: SlipFacts, change: DossierStatusChange) -> None:
    page.paragraph(f"{facts.center.name} thông báo về hồ sơ đề nghị giải quyết thủ tục của:")
    applicant_fields(page, facts)
    page.field("Tiếp nhận lúc", facts.center.moment(facts.dossier.received_at))
    page.field("Dừng xử lý lúc", facts.center.moment(change.at))
    page.paragraph(_WHY[DossierStatus(change.to_status)], style="B")
    page.field("Lý do", change.reason or "Không ghi lý do.")
    page.paragraph("Thời hạn giải quyết hồ sơ chấm dứt từ thời điểm trên. Xin thông báo để "
                   "Ông/Bà được biết.")
    by = facts.session.get(User, change.by_user_id) if change.by_user_id else None
    page.signatures(("NGƯỜI THÔNG BÁO", by.display_name if by else facts.user.display_name))


FORM = SlipForm(number="05", name="Phiếu dừng xử lý hồ sơ", gather=_gather, write=_write)
