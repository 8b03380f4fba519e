"""The page every slip shares: national heading, center, place and date, title, fields, QR.

Text is set in Noto Serif, embedded from Debian's fonts-noto-core, so Vietnamese diacritics
survive printing, `pdftotext` and copy-paste. Times are printed in the center's zone as
dd/mm/yyyy HH:mm, money as 10.000 ₫.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import segno
from babel.numbers import format_currency
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
FONT = "NotoSerif"
FONT_FILES = {"": "NotoSerif-Regular.ttf", "B": "NotoSerif-Bold.ttf",
              "I": "NotoSerif-Italic.ttf"}
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MOMENT_FORMAT = "%d/%m/%Y %H:%M"
# The citizen page's lookup (api/citizen: GET /tra-cuu?ma=<code>): the QR carries the code only.
LOOKUP_PATH = "/tra-cuu"
LINE = 6.5  # mm between lines of body text
QR_SIZE = 28  # mm: large enough for a phone, and for zbarimg on a 200 dpi render
HEADING_WIDTH = 80  # mm: each of the heading's two columns


@dataclass(frozen=True)
class Center:
    """Who issues the slips and where citizens look their dossiers up."""

    name: str
    place: str
    public_base_url: str
    zone: ZoneInfo

    def lookup_link(self, code: str) -> str:
        """Return the citizen page's link that opens the lookup with the dossier code filled in."""
        return f"{self.public_base_url.rstrip('/')}{LOOKUP_PATH}?{urlencode({'ma': code})}"

    def moment(self, moment: datetime | None) -> str:
        """Return a moment in the center's zone as dd/mm/yyyy HH:mm; a dash for none."""
        return "—" if moment is None else moment.astimezone(self.zone).strftime(MOMENT_FORMAT)


def money(amount_vnd: int) -> str:
    """Return an amount in đồng as Vietnamese write it: 10.000 ₫."""
    return format_currency(amount_vnd, "VND", locale="vi_VN")


class SlipPage:
    """One slip being written: the shared heading is on the page before the form's body."""

    def __init__(self, center: Center, *, number: str | None, title: str, code: str,
                 now: datetime):
        """Start the slip of Form `number` (None: no form number) for `code`, dated `now`."""
        self.center = center
        self.pdf = FPDF(format="A4")
        self.pdf.set_margins(20, 15, 15)
        self.pdf.set_auto_page_break(True, margin=15)
        self.pdf.set_creation_date(now)
        self.pdf.set_title(f"{title} - {code}")
        self.pdf.set_author(center.name)
        for style, file in FONT_FILES.items():
            self.pdf.add_font(FONT, style=style, fname=str(FONT_DIR / file))
        self.pdf.add_page()
        self._heading(number, now)
        self._title(title, code)

    def _font(self, style: str, size: float) -> None:
        self.pdf.set_font(FONT, style, size)

    def _heading(self, number: str | None, now: datetime) -> None:
        pdf = self.pdf
        self._font("", 9)
        pdf.cell(0, 4, f"Mẫu số {number}" if number else "", align=Align.R, new_x=XPos.LMARGIN,
                 new_y=YPos.NEXT)
        top = pdf.get_y()
        self._font("B", 11)
        pdf.multi_cell(HEADING_WIDTH - 10, 5.5, self.center.name.upper(), align=Align.C,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        left_bottom = pdf.get_y()
        right = pdf.w - pdf.r_margin - HEADING_WIDTH - 10
        pdf.set_xy(right, top)
        pdf.cell(HEADING_WIDTH + 10, 5.5, NATION, align=Align.C, new_x=XPos.LEFT,
                 new_y=YPos.NEXT)
        pdf.cell(HEADING_WIDTH + 10, 5.5, MOTTO, align=Align.C, new_x=XPos.LEFT,
                 new_y=YPos.NEXT)
        motto_width = pdf.get_string_width(MOTTO)
        middle = right + (HEADING_WIDTH + 10) / 2
        pdf.line(middle - motto_width / 2, pdf.get_y(), middle + motto_width / 2, pdf.get_y())
        pdf.set_y(max(left_bottom, pdf.get_y()) + 3)
        self._font("I", 11)
        local = now.astimezone(self.center.zone)
        pdf.cell(0, LINE, f"{self.center.place}, ngày {local:%d} tháng {local:%m} năm "
                          f"{local:%Y}", align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(4)

    def paragraph(self, text: str, *, style: str = "") -> None:
        """Write a paragraph of body text."""
        self._font(style, 12)
        self.pdf.multi_cell(0, LINE, text, align=Align.L, new_x=XPos.LMARGIN,
                            new_y=YPos.NEXT)

    def field(self, label: str, value: str) -> None:
        """Write one labelled field: "label: value", the label in bold."""
        self._font("", 12)
        self.pdf.multi_cell(0, LINE, f"**{label}:** {value}", markdown=True, align=Align.L,
                            new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def items(self, lines: Sequence[str]) -> None:
        """Write a numbered list, one line per item."""
        self._font("", 12)
        for number, line in enumerate(lines, 1):
            self.pdf.multi_cell(0, LINE, f"{number}. {line}", align=Align.L,
                                new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], *,
              widths: Sequence[float], size: float = 10) -> None:
        """Write a table under a bold header row; it continues on the next page if long."""
        self._font("", size)
        with self.pdf.table(col_widths=tuple(widths), line_height=size * 0.5,
                            headings_style=None, first_row_as_headings=False,
                            text_align="LEFT") as table:
            self._font("B", size)
            heading = table.row()
            for text in header:
                heading.cell(text)
            self._font("", size)
            for cells in rows:
                row = table.row()
                for text in cells:
                    row.cell(text)
        self.pdf.ln(2)

    def signatures(self, *columns: tuple[str, str]) -> None:
        """Write the signing block: each column a title and the name typed under the space."""
        pdf = self.pdf
        pdf.ln(4)
        if pdf.get_y() > pdf.h - pdf.b_margin - 40:
            pdf.add_page()
        width = (pdf.w - pdf.l_margin - pdf.r_margin) / len(columns)
        top = pdf.get_y()
        for index, (title, name) in enumerate(columns):
            x = pdf.l_margin + index * width
            pdf.set_xy(x, top)
            self._font("B", 12)
            pdf.cell(width, LINE, title, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
            self._font("I", 10)
            pdf.cell(width, LINE, "(Ký, ghi rõ họ tên)", align=Align.C, new_x=XPos.LEFT,
                     new_y=YPos.NEXT)
            pdf.set_y(pdf.get_y() + 18)
            pdf.set_x(x)
            self._font("B", 12)
            pdf.cell(width, LINE, name, align=Align.C)
        pdf.set_xy(pdf.l_margin, top + 3 * LINE + 18)

    def _title(self, title: str, code: str) -> None:
        """Write the title and the dossier code between the QR code and its mirror space.

        The QR carries the citizen lookup link with the code only, never a PIN: whoever
        finds the slip still needs the PIN.
        """
        pdf = self.pdf
        link = self.center.lookup_link(code)
        image = io.BytesIO()
        segno.make(link, error="m").save(image, kind="png", scale=10, border=4)
        top = pdf.get_y()
        pdf.image(image, x=pdf.l_margin, y=top, w=QR_SIZE, h=QR_SIZE)
        width = pdf.w - pdf.l_margin - pdf.r_margin - 2 * QR_SIZE
        pdf.set_xy(pdf.l_margin + QR_SIZE, top + 2)
        self._font("B", 14)
        pdf.multi_cell(width, 7, title, align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
        self._font("", 12)
        pdf.cell(width, LINE, f"Mã hồ sơ: {code}", align=Align.C, new_x=XPos.LEFT,
                 new_y=YPos.NEXT)
        self._font("I", 9)
        pdf.multi_cell(width, 4.5, f"Tra cứu hồ sơ: quét mã QR hoặc truy cập {link}",
                       align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), top + QR_SIZE) + 3)

    def output(self) -> bytes:
        """Return the finished PDF."""
        return bytes(self.pdf.output())
