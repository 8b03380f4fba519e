"""What the tests of the heads' and leaders' pages share: named staff, a letter, moments."""

from datetime import datetime

from engine.calendar import VIETNAM
from tests.e2e.staff_app import name_staff

NAMES = {"office": "Trần Văn An", "office2": "Phạm Thị Bích", "office_head": "Lê Văn Cường",
         "leader": "Nguyễn Văn Chủ", "admin": "Quản Trị Viên", "reception": "Đỗ Thị Nhận",
         "supervisor": "Vũ Giám Sát", "economic_head": "Hoàng Văn Kinh"}
LETTER = {
    "reason": "Cần xác minh thêm nơi sinh với Trạm y tế xã.",
    "apology": "Ủy ban nhân dân xã thành thật xin lỗi Ông/Bà vì sự chậm trễ này.",
    "signed_by": "Lê Văn Cường, Chánh Văn phòng",
    "new_day": "03/03/2026",
    "new_time": "16:30",
}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Return a moment of March 2026 in Hà Nội."""
    return datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM)


def named(staff: dict, session) -> dict:
    """Give the test's staff their full names and a password for the app; return them."""
    return name_staff(session, staff, NAMES)
