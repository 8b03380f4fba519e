"""Read a center's catalogue of procedures from a CSV or XLSX file, checking every row.

The first row names the columns (README "Loading the catalogue"), in English or Vietnamese,
case and accents ignored. Every row is checked before anything is loaded, and every problem
is reported with its row number (the header is row 1, as a spreadsheet shows it) and what
to write instead.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from engine.folding import fold
from engine.procedure_creation import MAX_WORKING_DAYS, NAME_MAX, PROCEDURE_CODE

FIELD_MAX, LEVEL_MAX, DOCUMENT_MAX = 200, 100, 500
# Each column's header, then the Vietnamese headers accepted for it.
COLUMNS = {
    "code": ("code", "Mã thủ tục", "Mã"),
    "name_vi": ("name_vi", "Tên thủ tục"),
    "name_en": ("name_en", "Tên tiếng Anh"),
    "field": ("field", "Lĩnh vực"),
    "level": ("level", "Cấp thực hiện", "Cấp"),
    "working_days": ("working_days", "Thời hạn giải quyết (ngày làm việc)",
                     "Thời hạn giải quyết", "Thời hạn"),
    "fee_vnd": ("fee_vnd", "Phí, lệ phí (đồng)", "Phí, lệ phí", "Lệ phí"),
    "required_documents": ("required_documents", "Thành phần hồ sơ"),
    "department": ("department", "Mã phòng ban xử lý", "Phòng ban xử lý", "Mã phòng ban"),
}
OPTIONAL_COLUMNS = {"name_en"}
_DOCUMENT_SEPARATOR = re.compile(r"[;\n]")
_MONEY = re.compile(r"^(\d{1,3}([. ,]\d{3})+|\d+)\s*(đ|đồng|vnd|vnđ)?$", re.IGNORECASE)
_HEADER_NOISE = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class CatalogueRow:
    """One procedure of the catalogue, checked."""

    row: int
    code: str
    name_vi: str
    name_en: str
    field: str
    level: str
    working_days: int  # 0: the same working day
    fee_vnd: int
    required_documents: list[str]
    department: str

    @property
    def same_day(self) -> bool:
        """Tell whether the procedure is handled the same working day."""
        return self.working_days == 0


@dataclass(frozen=True)
class RowProblem:
    """What to fix in the file: the row (None for the file itself), the column, the fix."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [f"row {self.row}" if self.row else "file"]
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class CatalogueFile:
    """The rows of a catalogue file and every problem found in them."""

    rows: list[CatalogueRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def read_catalogue(path: Path, *, departments: set[str]) -> CatalogueFile:
    """Read and check a .csv or .xlsx catalogue; the rows count only if there is no problem."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            records = _csv_records(path)
        elif suffix == ".xlsx":
            records = _xlsx_records(path)
        else:
            return CatalogueFile(problems=[RowProblem(None, None, (
                f"'{path.name}' is neither .csv nor .xlsx; save the catalogue as CSV UTF-8 or "
                "as an Excel workbook (.xlsx)"))])
    except UnicodeDecodeError:
        return CatalogueFile(problems=[RowProblem(None, None, (
            "the CSV file is not UTF-8 text; save it as 'CSV UTF-8' (Excel) or UTF-8"))])
    except (InvalidFileException, OSError, KeyError, ValueError, csv.Error) as err:
        return CatalogueFile(problems=[RowProblem(None, None, f"cannot read the file: {err}")])
    return check_records(records, departments=departments)


def check_records(records: list[list[object]], *, departments: set[str]) -> CatalogueFile:
    """Check a header row and the rows under it (row numbers count from the header, 1)."""
    result = CatalogueFile()
    if not records:
        result.problems.append(RowProblem(None, None, "the file is empty; the first row must "
                                                      f"name the columns: {_expected()}"))
        return result
    columns, header_problems = _header(records[0])
    if header_problems:
        result.problems.extend(header_problems)
        return result
    first_row: dict[str, int] = {}
    for number, record in enumerate(records[1:], start=2):
        values = {name: _text(record[index]) if index < len(record) else ""
                  for name, index in columns.items()}
        if not any(values.values()):
            continue  # a blank line between blocks of the sheet
        row, problems = _row(number, values, departments)
        result.problems.extend(problems)
        if row is None:
            continue
        if row.code in first_row:
            result.problems.append(RowProblem(number, "code", (
                f"code '{row.code}' is also on row {first_row[row.code]}; each procedure "
                "appears once")))
            continue
        first_row[row.code] = number
        result.rows.append(row)
    if result.problems:
        result.rows = []
    return result


def _expected() -> str:
    return ", ".join(names[0] for key, names in COLUMNS.items())


def _header_key(text: str) -> str:
    return _HEADER_NOISE.sub(" ", fold(text)).strip()


_KNOWN_HEADERS = {_header_key(name): key for key, names in COLUMNS.items() for name in names}


def _header(record: list[object]) -> tuple[dict[str, int], list[RowProblem]]:
    columns: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(record):
        text = _text(cell)
        if not text:
            continue
        key = _KNOWN_HEADERS.get(_header_key(text))
        if key is None:
            problems.append(RowProblem(1, text, (
                f"unknown column '{text}'; the columns are: {_expected()}")))
        elif key in columns:
            problems.append(RowProblem(1, text, f"column {key} is named twice"))
        else:
            columns[key] = index
    missing = [key for key in COLUMNS if key not in columns and key not in OPTIONAL_COLUMNS]
    if missing:
        problems.append(RowProblem(1, None, (
            f"missing column(s) {', '.join(missing)}; the first row must name: {_expected()} "
            "(name_en is optional; Vietnamese headers such as 'Mã thủ tục' also work)")))
    return columns, problems


def _row(number: int, values: dict[str, str], departments: set[str]
         ) -> tuple[CatalogueRow | None, list[RowProblem]]:
    problems = list(_row_problems(number, values, departments))
    if problems:
        return None, problems
    return CatalogueRow(
        row=number, code=values["code"], name_vi=values["name_vi"],
        name_en=values.get("name_en") or values["name_vi"], field=values["field"],
        level=values["level"], working_days=_whole_number(values["working_days"]),
        fee_vnd=_money(values["fee_vnd"]),
        required_documents=[d.strip() for d in _DOCUMENT_SEPARATOR.split(
            values["required_documents"]) if d.strip()],
        department=values["department"]), []


def _row_problems(number: int, values: dict[str, str], departments: set[str]
                  ) -> Iterator[RowProblem]:
    if not re.fullmatch(PROCEDURE_CODE, values["code"]):
        yield RowProblem(number, "code", (
            f"'{values['code']}' is not a procedure code: up to 32 letters, digits, '.', '_' "
            "or '-', e.g. 1.001193"))
    for name, limit in (("name_vi", NAME_MAX), ("name_en", NAME_MAX), ("field", FIELD_MAX),
                        ("level", LEVEL_MAX)):
        value = values.get(name, "")
        if not value and name in ("name_vi", "field"):
            yield RowProblem(number, name, "is empty; every procedure needs it")
        elif len(value) > limit:
            yield RowProblem(number, name, f"has {len(value)} characters, over {limit}")
    days = _whole_number(values["working_days"])
    if days is None or not 0 <= days <= MAX_WORKING_DAYS:
        yield RowProblem(number, "working_days", (
            f"'{values['working_days']}' is not a deadline: write a whole number of working "
            f"days from 1 to {MAX_WORKING_DAYS}, or 0 for the same working day"))
    if _money(values["fee_vnd"]) is None:
        yield RowProblem(number, "fee_vnd", (
            f"'{values['fee_vnd']}' is not an amount: write the fee in đồng, e.g. 50000 or "
            "50.000, or leave it empty (or 0) when there is none"))
    documents = [d.strip() for d in _DOCUMENT_SEPARATOR.split(values["required_documents"])]
    if any(len(d) > DOCUMENT_MAX for d in documents):
        yield RowProblem(number, "required_documents", (
            f"a document's name is over {DOCUMENT_MAX} characters; separate documents with ';'"))
    if values["department"] not in departments:
        yield RowProblem(number, "department", (
            f"'{values['department']}' is not a handling department; write one of "
            f"{', '.join(sorted(departments))} (workflows/departments.json)"))


def _text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _whole_number(text: str) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _money(text: str) -> int | None:
    if not text:
        return 0
    found = _MONEY.match(text.strip())
    if found is None:
        return None
    return int(re.sub(r"\D", "", found.group(1)))


def _csv_records(path: Path) -> list[list[object]]:
    text = path.read_bytes().decode("utf-8-sig")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _xlsx_records(path: Path) -> list[list[object]]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
