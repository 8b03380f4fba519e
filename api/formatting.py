"""How moments, money, working hours, statuses and roles read to people: one place, every page.

Formats follow the request's locale through Flask-Babel; moments are shown in the working
calendar's zone (api.i18n), always as dd/mm/yyyy HH:mm.
"""

from datetime import date, datetime

from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    format_percent,
    gettext,
)
from flask_babel import lazy_gettext as _l

from engine.statuses import DossierStatus, Role

MOMENT_PATTERN = "dd/MM/yyyy HH:mm"
DATE_PATTERN = "dd/MM/yyyy"
# At most one decimal: "3,5 giờ", "2 giờ".
HOURS_PATTERN = "#,##0.#"
CURRENCY = "VND"
ROLE_NAMES = {
    Role.RECEPTIONIST: _l("Cán bộ tiếp nhận"),
    Role.OFFICER: _l("Chuyên viên"),
    Role.HEAD: _l("Trưởng phòng"),
    Role.LEADER: _l("Lãnh đạo"),
    Role.SUPERVISOR: _l("Giám sát"),
    Role.DESIGNER: _l("Người thiết kế quy trình"),
    Role.ADMIN: _l("Quản trị hệ thống"),
}


def local_moment(moment: datetime | None) -> str:
    """Return an aware moment in local time as dd/mm/yyyy HH:mm; nothing for None."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return format_datetime(moment, MOMENT_PATTERN)


def local_date(day: date | datetime | None) -> str:
    """Return a day as dd/mm/yyyy (an aware moment's local day); nothing for None."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        return format_datetime(day, DATE_PATTERN)
    return format_date(day, DATE_PATTERN)


def money(amount_vnd: int) -> str:
    """Return an amount in đồng the way the locale writes it: 10.000 ₫ in Vietnamese."""
    return format_currency(amount_vnd, CURRENCY)


def fee(amount_vnd: int) -> str:
    """Return a fee: its amount, or "Miễn phí" when there is none to pay."""
    return gettext("Miễn phí") if amount_vnd == 0 else money(amount_vnd)


def hours(amount: float | None) -> str:
    """Return a number of hours with at most one decimal ("3,5"); a dash when there is none."""
    return "–" if amount is None else format_decimal(amount, format=HOURS_PATTERN)


def share(part: float | None) -> str:
    """Return a share of 0 to 1 as a whole percentage ("75 %" in Vietnamese); a dash if none."""
    return "–" if part is None else format_percent(part)


def working_hours(hours: float) -> str:
    """Return time left on a clock, or how late it is, in working hours."""
    amount = format_decimal(abs(hours), format=HOURS_PATTERN)
    if hours < 0:
        return gettext("quá hạn %(hours)s giờ làm việc", hours=amount)
    return gettext("còn %(hours)s giờ làm việc", hours=amount)


def status_label(status: int) -> str:
    """Return a DVCQG dossier status as its label in the request's language."""
    return gettext(DossierStatus(status).label_vi)


def role_name(role: str) -> str:
    """Return the name of a role in the request's language."""
    return str(ROLE_NAMES[Role(role)])


FILTERS = {"moment": local_moment, "day": local_date, "money": money, "fee": fee,
           "working_hours": working_hours, "status_label": status_label, "hours": hours,
           "share": share}


def init_app(app) -> None:
    """Make the formats Jinja filters: `{{ dossier.appointment_at | moment }}`."""
    app.jinja_env.filters.update(FILTERS)
