"""The working calendar: days off, worked days and due times."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from sqlalchemy.orm import Session

from api.auth import current_user
from api.clock import now
from api.extensions import db
from engine.calendar import WorkingCalendar
from engine.calendar_store import delete_override, get_overrides, set_override
from engine.deadlines import StatutoryDeadline
from engine.errors import InvalidInput
from engine.procedures import get_procedure_or_raise

# The arithmetic walks the calendar day by day: a bound keeps one request from running away.
MAX_WORKING_DAYS = 2000
MAX_WORKING_HOURS = MAX_WORKING_DAYS * 8
ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# An unencoded '+' in a query string arrives as a space: "T15:30 07:00" meant "T15:30+07:00".
SPACE_FOR_PLUS = re.compile(r"^(?P<moment>\S+T\S+) (?P<offset>[0-9]{2}(:?[0-9]{2})?)$")

blp = Blueprint("calendar", __name__, url_prefix="/api/v1/calendar",
                description="The center's working calendar: days off, worked days, due times")


def parse_day(text: str) -> date:
    """Read a YYYY-MM-DD date, or raise InvalidInput saying how to write it."""
    try:
        if ISO_DAY.match(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InvalidInput(f"'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-08-22",
                       field="date", reason="not_a_date", text=text)


@dataclass(frozen=True)
class Due:
    """When a count of working time that starts at `start` begins and ends, in local time."""

    start: datetime
    counting_start: datetime
    due_at: datetime


def compute_due(session: Session, calendar: WorkingCalendar, *, start: datetime,
                working_days: float | None = None, working_hours: float | None = None,
                procedure_code: str | None = None) -> Due:
    """Return when the clock starts and when the time runs out, from `start` on.

    A naive `start` is local time. With a procedure, its cut-off decides when counting
    starts, and its statutory deadline applies unless working days or hours are given.
    """
    if start.tzinfo is None or start.utcoffset() is None:
        start = start.replace(tzinfo=calendar.zone)
    start = start.astimezone(calendar.zone)
    if working_days is None and working_hours is None and procedure_code is None:
        message = "give working_days or working_hours (or a procedure)"
        raise InvalidInput(message, reason="count_missing", fields=_count_fields(message))
    if working_days is not None and working_hours is not None:
        message = "give working_days or working_hours, not both"
        raise InvalidInput(message, reason="count_twice", fields=_count_fields(message))
    for name, value, limit in (("working_days", working_days, MAX_WORKING_DAYS),
                               ("working_hours", working_hours, MAX_WORKING_HOURS)):
        if value is not None and not 0 <= value <= limit:
            raise InvalidInput(f"{name} must be between 0 and {limit}, got {value}", field=name,
                               reason="count_out_of_range", limit=limit)
    deadline = None
    if procedure_code is not None:
        deadline = StatutoryDeadline.of(get_procedure_or_raise(session, procedure_code).meta)
    counting_start = calendar.counting_start(start, cutoff=deadline.cutoff if deadline else None)
    if working_days is not None:
        due_at = calendar.add_working_days(counting_start, working_days)
    elif working_hours is not None:
        due_at = calendar.add_working_hours(counting_start, working_hours)
    else:
        due_at = deadline.due(calendar, start)
    return Due(start, counting_start, due_at.astimezone(calendar.zone))


def _count_fields(message: str) -> list[dict]:
    return [{"field": name, "message": message} for name in ("working_days", "working_hours")]


class OverrideSchema(Schema):
    """A day an admin declared worked or off, beating weekends and public holidays."""

    day = fields.Date()
    working = fields.Boolean()
    note = fields.String()
    updated_by = fields.String()
    updated_at = fields.DateTime()


class OverrideListQuery(Schema):
    """Which overrides to list."""

    year = fields.Integer(validate=validate.Range(min=1, max=9999),
                          metadata={"description": "only this calendar year"})


class SetOverrideSchema(Schema):
    """What an admin declares about a day."""

    working = fields.Boolean(required=True,
                             metadata={"description": "true: the office works; false: day off"})
    note = fields.String(required=True, validate=validate.Length(min=1, max=300),
                         metadata={"description": "why, e.g. 'Saturday worked in exchange "
                                                  "for Monday 31 August'"})


class DaySchema(Schema):
    """Whether the office works on a day, and why not."""

    date = fields.Date()
    working = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={
        "description": "'weekend', the holiday's name or the override's note; null when working"})


class DueQuery(Schema):
    """A count of working time, or a procedure's statutory deadline."""

    start = fields.DateTime(data_key="from", metadata={
        "description": "ISO 8601; without an offset it is local (Asia/Ho_Chi_Minh) time; "
                       "default now"})
    working_days = fields.Float(validate=validate.Range(min=0, max=MAX_WORKING_DAYS))
    working_hours = fields.Float(validate=validate.Range(min=0, max=MAX_WORKING_HOURS))
    procedure = fields.String(validate=validate.Length(min=1, max=32), metadata={
        "description": "a procedure code: its cut-off and deadline apply"})

    @pre_load
    def _restore_plus(self, data, **_kwargs):
        start = data.get("from")
        if isinstance(start, str) and (match := SPACE_FOR_PLUS.match(start)):
            data = {**data, "from": f"{match['moment']}+{match['offset']}"}
        return data

    @validates_schema
    def _one_count(self, data, **_kwargs):
        days, hours = data.get("working_days"), data.get("working_hours")
        if days is not None and hours is not None:
            message = "give working_days or working_hours, not both"
        elif days is None and hours is None and data.get("procedure") is None:
            message = "give working_days or working_hours (or a procedure)"
        else:
            return
        raise ValidationError({"working_days": [message], "working_hours": [message]})


class DueSchema(Schema):
    """When counting starts and when the time runs out, in local time."""

    start = fields.DateTime(data_key="from")
    counting_start = fields.DateTime()
    due_at = fields.DateTime()


@blp.route("/overrides")
class Overrides(MethodView):
    """The days admins declared worked or off."""

    @blp.arguments(OverrideListQuery, location="query")
    @blp.response(200, OverrideSchema(many=True))
    def get(self, query):
        """List the overrides, in date order, optionally for one year.

        Overrides shipped in workflows/calendar.json are not listed; an override set
        here wins over them.
        """
        return get_overrides(db.session, year=query.get("year"))


@blp.route("/overrides/<string:day>")
class OverrideByDay(MethodView):
    """One override."""

    @blp.arguments(SetOverrideSchema)
    @blp.response(200, OverrideSchema)
    def put(self, body, day):
        """Declare the day (YYYY-MM-DD) worked or off, replacing any override (admin only)."""
        ctx = current_app.extensions["motcua"]
        return set_override(db.session, ctx.calendars, day=parse_day(day),
                            working=body["working"], note=body["note"], user=current_user(),
                            now=now())

    @blp.response(204)
    def delete(self, day):
        """Remove the day's override (admin only); 404 when it has none.

        The day falls back to workflows/calendar.json, then public holidays and weekends.
        """
        ctx = current_app.extensions["motcua"]
        delete_override(db.session, ctx.calendars, day=parse_day(day), user=current_user(),
                        now=now())


@blp.route("/days/<string:day>")
class DayByDate(MethodView):
    """One day of the calendar."""

    @blp.response(200, DaySchema)
    def get(self, day):
        """Tell whether the office works on the day (YYYY-MM-DD) and, if not, why."""
        when = parse_day(day)
        reason = current_app.extensions["motcua"].calendar(db.session).day_off_reason(when)
        return {"date": when, "working": reason is None, "reason": reason}


@blp.route("/due")
class DueTime(MethodView):
    """A due time."""

    @blp.arguments(DueQuery, location="query")
    @blp.response(200, DueSchema)
    def get(self, query):
        """Compute when working time counted from `from` runs out.

        Give exactly one of working_days (of 8 working hours) and working_hours, or a
        procedure: then its cut-off moves the counting start (e.g. after 15:00 to the
        next working day's opening) and, unless a count is given, its statutory deadline
        applies. Times come back in Asia/Ho_Chi_Minh with their offset.
        """
        calendar = current_app.extensions["motcua"].calendar(db.session)
        return compute_due(db.session, calendar, start=query.get("start") or now(),
                           working_days=query.get("working_days"),
                           working_hours=query.get("working_hours"),
                           procedure_code=query.get("procedure"))
