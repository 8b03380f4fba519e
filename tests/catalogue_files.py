"""Catalogue files of any size for the tests and the benchmark (codes TEST.*, never shipped)."""

import csv
from pathlib import Path

from openpyxl import Workbook

HEADER = ["code", "name_vi", "name_en", "field", "level", "working_days", "fee_vnd",
          "required_documents", "department"]
HEADER_VI = ["Mã thủ tục", "Tên thủ tục", "Tên tiếng Anh", "Lĩnh vực", "Cấp thực hiện",
             "Thời hạn giải quyết (ngày làm việc)", "Phí, lệ phí (đồng)", "Thành phần hồ sơ",
             "Mã phòng ban xử lý"]
FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Bảo trợ xã hội", "Trẻ em",
          "Người có công", "Văn hóa", "Giáo dục và Đào tạo", "Y tế", "Hộ kinh doanh",
          "Nông nghiệp", "Tôn giáo", "Thi đua, khen thưởng", "Lao động"]
DEPARTMENTS = ["OFFICE", "ECONOMIC", "CULTURE_SOCIAL"]
DEADLINES = [0, 1, 2, 3, 5, 7, 10, 15, 20, 30]
FEES = ["", "10000", "50.000", "0"]
DOCUMENTS = "Tờ khai theo mẫu; Giấy tờ chứng minh nhân thân (xuất trình)"


def catalogue_rows(count: int) -> list[list[str]]:
    """Return `count` rows of a made-up commune catalogue, every field and department used."""
    return [[f"TEST.{n:04d}", f"Thủ tục thử nghiệm số {n} về {FIELDS[n % len(FIELDS)].lower()}",
             f"Test procedure {n}", FIELDS[n % len(FIELDS)], "Cấp xã",
             str(DEADLINES[n % len(DEADLINES)]), FEES[n % len(FEES)], DOCUMENTS,
             DEPARTMENTS[n % len(DEPARTMENTS)]] for n in range(1, count + 1)]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    """Write a catalogue CSV (UTF-8 with BOM, as Excel saves it)."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER_VI) -> Path:
    """Write a catalogue workbook, deadlines and fees as numbers as a spreadsheet holds them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append([int(v) if v.isdigit() else v for v in row])
    workbook.save(path)
    return path
