"""The supervisor's dashboard: the period's headline and chart, overdue steps, incidents, outbox.

Supervisors, leaders and admins only (engine.access); others get a refusal page in Vietnamese.
"""

from datetime import date
from zoneinfo import ZoneInfo

from flask import abort, current_app, render_template, request
from flask_babel import get_locale

from api.clock import now
from api.extensions import db
from api.reports import OnTimeSeriesSchema, tabular
from api.schemas import DAYS
from api.web import blp, sessions
from engine.access import check_can_read_reports
from engine.models import User
from engine.notifications import get_all_notifications
from engine.reports import ProgressRow, headline, on_time_by_month, period_of, progress_report
from engine.supervision import open_incidents, overdue_steps

OUTBOX_SIZE = 50
DOWNLOADS = ("csv", "xlsx")


def report_reader() -> User:
    """Return the signed-in person; refused (a page) unless they read reports."""
    user = sessions.signed_in_user()
    check_can_read_reports(user)
    return user


def calendar_zone() -> ZoneInfo:
    """Return the zone of the working calendar, in which periods are whole local days."""
    return current_app.extensions["motcua"].calendar(db.session).zone


def period_days() -> tuple[date, date] | None:
    """Read `from`/`to` off the query, by default the current local month; None if invalid.

    Invalid: not a day, out of 2000–2099 (api.schemas.DAYS), or ending before it starts.
    """
    today = now().astimezone(calendar_zone()).date()
    try:
        first = date.fromisoformat(request.args.get("from") or today.replace(day=1).isoformat())
        last = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        return None
    in_range = DAYS.min <= first <= last <= DAYS.max
    return (first, last) if in_range else None


def local_period(first: date, last: date):
    """Return the moments a period of local days starts and ends."""
    return period_of(first, last, calendar_zone())


@blp.get("/giam-sat")
def dashboard():
    """Show the supervisor's dashboard for a period: headline, chart, incidents, overdue."""
    user = report_reader()
    days = period_days()
    if days is None:
        return render_template("web/dashboard.html", bad_period=True,
                               first=request.args.get("from", ""),
                               last=request.args.get("to", "")), 422
    first, last = days
    start, end = local_period(first, last)
    moment = now()
    figures = headline(db.session, period_start=start, period_end=end, now=moment)
    outbox = get_all_notifications(db.session, user=user, everyone=True, kind=None, page=1,
                                   page_size=OUTBOX_SIZE)
    return render_template(
        "web/dashboard.html", first=first.isoformat(), last=last.isoformat(),
        headline=figures.text() if str(get_locale()) == "en" else figures.text_vi(),
        incidents=open_incidents(db.session, user=user),
        overdue=overdue_steps(db.session, user=user, now=moment), outbox=outbox)


@blp.get("/giam-sat/dung-han.json")
def on_time_series():
    """Give the chart its series: the on-time rate by month and department, as JSON."""
    if report_reader() is None:
        abort(403)
    days = period_days()
    if days is None:
        abort(422)
    start, end = local_period(*days)
    rows = on_time_by_month(db.session, period_start=start, period_end=end)
    return OnTimeSeriesSchema().dump({"first_day": days[0], "last_day": days[1], "rows": rows})


@blp.get("/giam-sat/bao-cao.<string:file_format>")
def progress_download(file_format: str):
    """Download the period's progress report by procedure as CSV or Excel."""
    report_reader()
    days = period_days()
    if file_format not in DOWNLOADS or days is None:
        abort(404)
    first, last = days
    start, end = local_period(first, last)
    rows = progress_report(db.session, period_start=start, period_end=end,
                           group_by="procedure", now=now())
    stem = f"progress-procedure-{first.isoformat()}-{last.isoformat()}"
    return tabular(rows, ProgressRow, file_format, stem, {})
