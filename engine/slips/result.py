"""The result a leader's signature issues (Kết quả giải quyết thủ tục hành chính), as a PDF.

It is written on the slips' shared page (national heading, place and date in the center's
zone, QR of the lookup link) and has no form number: it is the decision, not a slip.
"""

from dataclasses import dataclass
from datetime import date

from engine.slips.forms import SlipFacts, applicant_fields
from engine.slips.layout import SlipPage

TITLE = "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"


@dataclass(frozen=True)
class Decision:
    """What the leader decided: the signing step, its form as titled rows, and who signed."""

    step_name: str
    rows: list[tuple[str, str]]
    signer: str


def form_rows(schema: dict, data: dict) -> list[tuple[str, str]]:
    """Return a form's top-level answers as (title, value) rows.

    Enum values are shown by their titles, dates as dd/mm/yyyy.
    """
    rows = []
    for name, spec in schema.get("properties", {}).items():
        value = data.get(name)
        if value in (None, "", [], {}) or spec.get("type") == "object":
            continue
        shown = spec.get("x-enum-titles", {}).get(value, value) if "enum" in spec else value
        if spec.get("format") == "date":
            shown = date.fromisoformat(value).strftime("%d/%m/%Y")
        rows.append((spec.get("title", name), "; ".join(map(str, shown))
                     if isinstance(shown, list) else str(shown)))
    return rows


def result_pdf(facts: SlipFacts, *, intake: list[tuple[str, str]], decision: Decision) -> bytes:
    """Return the result of the dossier as decided, dated `facts.now`, ready to be signed."""
    dossier, center = facts.dossier, facts.center
    page = SlipPage(center, number=None, title=TITLE, code=dossier.code, now=facts.now)
    page.paragraph(f"{center.name} thông báo kết quả giải quyết hồ sơ của:")
    applicant_fields(page, facts)
    page.field("Tiếp nhận lúc", center.moment(dossier.received_at))
    page.paragraph("Nội dung đề nghị:", style="B")
    for title, value in intake:
        page.field(title, value)
    page.paragraph(f"Quyết định ({decision.step_name}):", style="B")
    for title, value in decision.rows:
        page.field(title, value)
    page.field("Ký lúc", center.moment(facts.now))
    page.signatures(("NGƯỜI KÝ", decision.signer))
    return page.output()
