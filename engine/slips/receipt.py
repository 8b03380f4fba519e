"""Form 01: the receipt and appointment slip (Giấy tiếp nhận hồ sơ và hẹn trả kết quả)."""

from dataclasses import dataclass

from engine.documents import get_documents
from engine.dossier_versions import dossier_version
from engine.models import Document
from engine.slips.forms import SlipFacts, SlipForm, applicant_fields, received_by
from engine.slips.layout import SlipPage, money
from engine.statuses import DocumentKind, DocumentStage, Handling

# Stored only hashed: the PIN is printed when the caller brings it, right after receipt.
PIN_NOT_AT_HAND = "đã cấp khi tiếp nhận (in trên giấy tiếp nhận lúc nộp hồ sơ)"
HANDLING_VI = {Handling.DIGITISED: "Số hóa", Handling.REUSED: "Tái sử dụng dữ liệu sẵn có",
               Handling.SHOWN: "Xuất trình, trả lại"}


@dataclass(frozen=True)
class Received:
    """The dossier's version's metadata and the components recorded for it."""

    meta: dict
    components: list[Document]


def _gather(facts: SlipFacts) -> Received:
    """Every received dossier has its receipt: nothing to refuse."""
    documents = get_documents(facts.session, code=facts.dossier.code, user=facts.user)
    return Received(dossier_version(facts.session, facts.dossier).meta,
                    [d for d in documents if d.kind == DocumentKind.COMPONENT])


def _handed_in(page: SlipPage, facts: SlipFacts, components: list[Document]) -> None:
    """Write each component recorded and how it was handled; the typed counts without any."""
    dossier = facts.dossier
    if not components:
        page.paragraph(f"Đã nhận {dossier.components_total} thành phần; số hóa "
                       f"{dossier.components_digitised}; tái sử dụng dữ liệu sẵn có "
                       f"{dossier.components_reused}.")
        return
    page.paragraph("Thành phần đã nhận:", style="B")
    page.table(("STT", "Thành phần", "Hình thức"), [
        (str(number), document.title + (" (bổ sung)" if document.stage ==
                                         DocumentStage.SUPPLEMENT else ""),
         HANDLING_VI[Handling(document.handling)])
        for number, document in enumerate(components, 1)], widths=(12, 118, 45))


def _write(page: SlipPage, facts: SlipFacts, received: Received) -> None:
    dossier, center, meta = facts.dossier, facts.center, received.meta
    page.paragraph(f"{center.name} đã tiếp nhận hồ sơ của:")
    applicant_fields(page, facts)
    page.field("Địa chỉ", facts.applicant("address"))
    page.field("Số điện thoại", facts.applicant("phone"))
    page.field("Thư điện tử", facts.applicant("email"))
    page.paragraph("1. Thành phần hồ sơ nộp gồm:", style="B")
    page.table(("STT", "Tên giấy tờ", "Bản chính / bản sao", "Số lượng"), [
        (str(number), document["name_vi"], "Bản chính" if document.get("original") else "Bản sao",
         str(document["copies"]) if document.get("copies") else "Xuất trình")
        for number, document in enumerate(meta["required_documents"], 1)],
        widths=(12, 108, 30, 25))
    _handed_in(page, facts, received.components)
    page.field("2. Số lượng hồ sơ", "01 bộ")
    page.field("3. Thời gian giải quyết theo quy định", meta["deadline"]["text_vi"])
    page.field("4. Thời gian nhận hồ sơ", center.moment(dossier.received_at))
    page.field("5. Thời gian trả kết quả giải quyết hồ sơ", center.moment(dossier.appointment_at))
    page.field("6. Phí, lệ phí", money(dossier.fee_vnd) if dossier.fee_vnd else "Miễn phí")
    page.field("Mã PIN tra cứu", f"{facts.pin} (nhập cùng mã hồ sơ khi tra cứu)" if facts.pin
               else PIN_NOT_AT_HAND)
    page.signatures(("NGƯỜI NỘP HỒ SƠ", facts.applicant("full_name")),
                    ("NGƯỜI TIẾP NHẬN HỒ SƠ", received_by(facts)))


FORM = SlipForm(number="01", name="Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
                gather=_gather, write=_write)
