"""What the staff app calls roles, in the person's language."""

from flask_babel import lazy_gettext as _l

from engine.statuses import Role

ROLE_NAMES = {
    Role.RECEPTIONIST: _l("Cán bộ tiếp nhận"),
    Role.OFFICER: _l("Chuyên viên"),
    Role.HEAD: _l("Trưởng phòng"),
    Role.LEADER: _l("Lãnh đạo"),
    Role.SUPERVISOR: _l("Giám sát"),
    Role.DESIGNER: _l("Người thiết kế quy trình"),
    Role.ADMIN: _l("Quản trị hệ thống"),
}


def role_name(role: str) -> str:
    """Return the name of a role for the page."""
    return str(ROLE_NAMES[Role(role)])
