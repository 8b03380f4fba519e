"""Report rows as files: CSV for any spreadsheet, XLSX for Excel, a PNG chart of on-time rates."""

import csv
import io
from collections.abc import Sequence
from dataclasses import fields

import matplotlib

matplotlib.use("Agg")  # no display on a server: render straight to PNG bytes

from matplotlib.figure import Figure  # noqa: E402 - the backend must be chosen first
from openpyxl import Workbook  # noqa: E402
from openpyxl.styles import Font  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402

from engine.cells import inert  # noqa: E402
from engine.reports import MonthlyOnTimeRow  # noqa: E402

BOM = "\ufeff"
PERCENT_FORMAT = "0.0%"
HOURS_FORMAT = "0.00"
MAX_COLUMN_WIDTH = 60
CHART_SIZE_INCHES = (10, 5.5)
CHART_DPI = 110


def _columns(row_type) -> list[str]:
    return [f.name for f in fields(row_type)]


def _is_share(column: str) -> bool:
    return column.endswith(("_share", "_rate"))


def to_csv(rows: Sequence, row_type) -> str:
    """Return the rows as CSV text with a header, starting with a BOM so Excel reads UTF-8.

    Missing values (None) are empty cells; booleans are written as true / false; text that
    a spreadsheet would run as a formula is made inert.
    """
    columns = _columns(row_type)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(getattr(row, column)) for column in columns])
    return buffer.getvalue()


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return inert(value)


def to_xlsx(rows: Sequence, row_type, *, title: str) -> bytes:
    """Return the rows as an Excel workbook: a bold header, numbers as numbers, shares as %.

    Text that Excel would run as a formula is made inert and stored as text.
    """
    columns = _columns(row_type)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]  # Excel's limit on sheet names
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(column) for column in columns]
    for row in rows:
        values = [inert(getattr(row, column)) for column in columns]
        sheet.append(values)
        for index, (column, value) in enumerate(zip(columns, values, strict=True)):
            cell = sheet.cell(row=sheet.max_row, column=index + 1)
            if isinstance(value, float):
                cell.number_format = PERCENT_FORMAT if _is_share(column) else HOURS_FORMAT
            widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2,
                                                                      MAX_COLUMN_WIDTH)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def on_time_chart_png(rows: Sequence[MonthlyOnTimeRow]) -> bytes:
    """Draw the share completed early or on time, grouped bars per month, one per department."""
    # A Figure without pyplot keeps no global state, so threads may draw at the same time.
    figure = Figure(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI)
    axes = figure.add_subplot()
    months = sorted({row.month for row in rows})
    departments = sorted({(row.department_code, row.department_name) for row in rows})
    rates = {(row.month, row.department_code): row.on_time_rate for row in rows}
    width = 0.8 / max(len(departments), 1)
    for index, (code, name) in enumerate(departments):
        positions = [m + (index - (len(departments) - 1) / 2) * width
                     for m in range(len(months))]
        values = [100 * (rates.get((month, code)) or 0) for month in months]
        bars = axes.bar(positions, values, width, label=_short(name))
        axes.bar_label(bars, labels=[_percent_label(rates.get((month, code)))
                                     for month in months], fontsize=8)
    axes.set_xticks(range(len(months)), months)
    axes.set_ylim(0, 110)
    axes.set_ylabel("%")
    axes.set_title("Tỷ lệ hồ sơ giải quyết trước hạn và đúng hạn / "
                   "Share completed early or on time")
    if departments:
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=8,
                    frameon=False)
    else:
        axes.text(0.5, 0.5, "Không có hồ sơ giải quyết trong kỳ / no dossier completed",
                  ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _short(name: str) -> str:
    """Drop the parenthesised detail of a long department name for the legend."""
    return name.split(" (")[0]


def _percent_label(rate: float | None) -> str:
    return "" if rate is None else f"{100 * rate:.0f}%"
