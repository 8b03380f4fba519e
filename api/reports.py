"""Supervisor reports: progress, step timings, the headline and the on-time chart."""

from datetime import date
from zoneinfo import ZoneInfo

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.auth import current_user
from api.clock import now
from api.extensions import db
from api.schemas import DAYS
from engine import exports
from engine.access import check_can_read_reports
from engine.payment_report import CollectedRow, payment_report
from engine.reports import (
    GROUPINGS,
    ProgressRow,
    StepTimingRow,
    headline,
    on_time_by_month,
    period_of,
    progress_report,
    step_timings,
)

FORMATS = ("json", "csv", "xlsx")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG_TYPE = "image/png"
BINARY = {"schema": {"type": "string", "format": "binary"}}


def _file_formats_doc(schema) -> dict:
    """Document that the JSON rows also download as CSV or Excel (format=csv|xlsx)."""
    return {"responses": {"200": {"description": "OK", "content": {
        "application/json": {"schema": schema}, "text/csv": {"schema": {"type": "string"}},
        XLSX_TYPE: BINARY}}}}


blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports",
                description="Reports for supervisors, leaders and admins")


@blp.before_request
def _only_report_readers():
    """Answer 403 to roles that do not read reports (401 was already given without a token)."""
    if request.method != "OPTIONS":  # preflight requests carry no token
        check_can_read_reports(current_user())


class PeriodQuery(Schema):
    """A period of whole local days, both included."""

    first_day = fields.Date(data_key="from", required=True, validate=DAYS,
                            metadata={"description": "first day, YYYY-MM-DD"})
    last_day = fields.Date(data_key="to", required=True, validate=DAYS,
                           metadata={"description": "last day, YYYY-MM-DD (included)"})

    @validates_schema
    def _check_order(self, data, **_kwargs):
        if "first_day" in data and "last_day" in data and data["first_day"] > data["last_day"]:
            raise ValidationError("'from' must be on or before 'to'", field_name="from")


class ProgressQuery(PeriodQuery):
    """The progress report's period, grouping and file format."""

    group_by = fields.String(load_default="procedure", validate=validate.OneOf(GROUPINGS))
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class StepTimingsQuery(PeriodQuery):
    """The step timings' period, optional procedure and file format."""

    procedure = fields.String(validate=validate.Length(min=1, max=32),
                              metadata={"description": "only this procedure code"})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class ProgressRowSchema(Schema):
    """One group of the progress report; officer rows count steps and leave dossier columns null."""

    key = fields.String(allow_none=True, metadata={
        "description": "procedure code, department code or username; null for the total "
                       "and for steps nobody holds"})
    name = fields.String()
    is_total = fields.Boolean()
    received_carried_over = fields.Integer(allow_none=True)
    received_new = fields.Integer(allow_none=True)
    received_total = fields.Integer(allow_none=True)
    received_counter = fields.Integer(allow_none=True)
    received_online = fields.Integer(allow_none=True)
    received_post = fields.Integer(allow_none=True)
    completed = fields.Integer()
    completed_early = fields.Integer()
    completed_on_time = fields.Integer()
    completed_late = fields.Integer()
    in_progress_within_deadline = fields.Integer()
    in_progress_overdue = fields.Integer()
    paused = fields.Integer(allow_none=True)
    stopped = fields.Integer(allow_none=True)
    withdrawn = fields.Integer(allow_none=True)
    refused = fields.Integer(allow_none=True)
    digitised_share = fields.Float(allow_none=True)
    reused_share = fields.Float(allow_none=True)
    online_share = fields.Float(allow_none=True)


class ProgressReportSchema(Schema):
    """The progress report of a period."""

    first_day = fields.Date(data_key="from")
    last_day = fields.Date(data_key="to")
    group_by = fields.String()
    rows = fields.List(fields.Nested(ProgressRowSchema))


class StepTimingRowSchema(Schema):
    """Waiting and working time of one procedure step, in working hours."""

    rank = fields.Integer(allow_none=True, metadata={
        "description": "1 = the worst bottleneck; null for steps not counted"})
    procedure_code = fields.String()
    step = fields.String()
    step_name = fields.String()
    department_code = fields.String()
    counted = fields.Boolean()
    completed = fields.Integer()
    waited_mean = fields.Float(allow_none=True)
    waited_median = fields.Float(allow_none=True)
    waited_p90 = fields.Float(allow_none=True)
    worked_mean = fields.Float(allow_none=True)
    worked_median = fields.Float(allow_none=True)
    worked_p90 = fields.Float(allow_none=True)
    budget_hours = fields.Float()
    load = fields.Float(allow_none=True, metadata={
        "description": "(mean waited + mean worked) / budget"})
    late_share = fields.Float(allow_none=True)


class StepTimingsSchema(Schema):
    """Step timings of a period."""

    first_day = fields.Date(data_key="from")
    last_day = fields.Date(data_key="to")
    procedure = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(StepTimingRowSchema))


class SummarySchema(Schema):
    """The headline of a period, with its sentence in English and Vietnamese."""

    first_day = fields.Date(data_key="from")
    last_day = fields.Date(data_key="to")
    received = fields.Integer()
    processed_and_digitised = fields.Integer()
    digitised_share = fields.Float(allow_none=True)
    components_total = fields.Integer()
    components_reused = fields.Integer()
    reused_share = fields.Float(allow_none=True)
    early_or_on_time = fields.Integer()
    in_progress_within_deadline = fields.Integer()
    overdue = fields.Integer()
    text = fields.String()
    text_vi = fields.String()


class OnTimeRowSchema(Schema):
    """One department's dossiers completed in one local month, and the share early or on time."""

    month = fields.String(metadata={"description": "local month, YYYY-MM"})
    department_code = fields.String()
    department_name = fields.String(metadata={"description": "in Vietnamese"})
    completed = fields.Integer()
    early_or_on_time = fields.Integer()
    on_time_rate = fields.Float(allow_none=True, metadata={
        "description": "early_or_on_time / completed, 0 to 1; null when none completed"})


class OnTimeSeriesSchema(Schema):
    """The on-time series of a period, for charts drawn in the browser."""

    first_day = fields.Date(data_key="from")
    last_day = fields.Date(data_key="to")
    rows = fields.List(fields.Nested(OnTimeRowSchema))


def _zone() -> ZoneInfo:
    return current_app.extensions["motcua"].calendar(db.session).zone


def _period(first_day: date, last_day: date):
    return period_of(first_day, last_day, _zone())


def _file(body: bytes | str, content_type: str, filename: str) -> Response:
    return Response(body, content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def tabular(rows, row_type, file_format: str, stem: str, body: dict) -> Response | dict:
    """Return the rows as a CSV or Excel download named `stem`, or as JSON within `body`."""
    if file_format == "csv":
        return _file(exports.to_csv(rows, row_type).encode("utf-8"), CSV_TYPE, f"{stem}.csv")
    if file_format == "xlsx":
        return _file(exports.to_xlsx(rows, row_type, title=stem), XLSX_TYPE, f"{stem}.xlsx")
    return {**body, "rows": rows}


@blp.route("/progress")
class Progress(MethodView):
    """Dossiers received, completed, in progress and paused."""

    @blp.arguments(ProgressQuery, location="query")
    @blp.response(200, ProgressReportSchema)
    @blp.doc(**_file_formats_doc(ProgressReportSchema))
    def get(self, query):
        """Report progress over a period, by procedure, department or officer, then the total.

        `format=csv` (UTF-8 with BOM) and `format=xlsx` download the same rows as a file.
        Officer rows count the steps each officer completed and holds, not dossiers.
        """
        first, last = query["first_day"], query["last_day"]
        start, end = _period(first, last)
        rows = progress_report(db.session, period_start=start, period_end=end,
                               group_by=query["group_by"], now=now())
        stem = f"progress-{query['group_by']}-{first.isoformat()}-{last.isoformat()}"
        return tabular(rows, ProgressRow, query["format"], stem,
                        {"first_day": first, "last_day": last, "group_by": query["group_by"]})


@blp.route("/step-timings")
class StepTimings(MethodView):
    """How long each procedure step waits and is worked."""

    @blp.arguments(StepTimingsQuery, location="query")
    @blp.response(200, StepTimingsSchema)
    @blp.doc(**_file_formats_doc(StepTimingsSchema))
    def get(self, query):
        """Rank the steps completed in a period as bottlenecks, with mean, median and p90 hours.

        `format=csv` and `format=xlsx` download the same rows as a file.
        """
        first, last = query["first_day"], query["last_day"]
        procedure = query.get("procedure")
        rows = step_timings(db.session, first_day=first, last_day=last, zone=_zone(),
                            procedure_code=procedure)
        stem = f"step-timings-{first.isoformat()}-{last.isoformat()}"
        return tabular(rows, StepTimingRow, query["format"], stem,
                        {"first_day": first, "last_day": last, "procedure": procedure})


@blp.route("/summary")
class Summary(MethodView):
    """The headline a commune publishes."""

    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, SummarySchema)
    def get(self, query):
        """Give the period's headline figures and the sentence in English and Vietnamese."""
        start, end = _period(query["first_day"], query["last_day"])
        figures = headline(db.session, period_start=start, period_end=end, now=now())
        return {**vars(figures), "text": figures.text(), "text_vi": figures.text_vi()}


@blp.route("/on-time-by-month")
class OnTimeByMonth(MethodView):
    """The on-time series behind the chart."""

    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, OnTimeSeriesSchema)
    def get(self, query):
        """Give the share completed early or on time per local month and department.

        The rows are the ones on-time-chart.png draws, ordered by month then department;
        a month in which a department completed nothing has no row.
        """
        start, end = _period(query["first_day"], query["last_day"])
        rows = on_time_by_month(db.session, period_start=start, period_end=end)
        return {"first_day": query["first_day"], "last_day": query["last_day"], "rows": rows}


@blp.route("/on-time-chart.png")
class OnTimeChart(MethodView):
    """The on-time chart."""

    @blp.arguments(PeriodQuery, location="query")
    @blp.response(200, content_type=PNG_TYPE)
    @blp.doc(responses={"200": {"description": "OK", "content": {PNG_TYPE: BINARY}}})
    def get(self, query):
        """Draw the share completed early or on time per month and department, as a PNG."""
        first, last = query["first_day"], query["last_day"]
        start, end = _period(first, last)
        rows = on_time_by_month(db.session, period_start=start, period_end=end)
        return _file(exports.on_time_chart_png(rows), PNG_TYPE,
                     f"on-time-{first.isoformat()}-{last.isoformat()}.png")


class PaymentsQuery(PeriodQuery):
    """The payments report's period and file format."""

    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))


class CollectedRowSchema(Schema):
    """Fees one procedure collected through one channel."""

    procedure_code = fields.String()
    channel = fields.String(metadata={"description": "qr or cash"})
    payments = fields.Integer()
    collected_vnd = fields.Integer()
    refunded_vnd = fields.Integer(metadata={"description": "of which refunded since"})


class HeldTransferSchema(Schema):
    """A transfer held for reconciliation."""

    transaction_id = fields.String()
    amount_vnd = fields.Integer()
    description = fields.String()
    paid_at = fields.DateTime()
    received_at = fields.DateTime()
    reason = fields.String(metadata={
        "description": "unknown_reference, amount_mismatch or not_due"})


class PaymentReportSchema(Schema):
    """The payments of a period."""

    first_day = fields.Date(data_key="from")
    last_day = fields.Date(data_key="to")
    rows = fields.List(fields.Nested(CollectedRowSchema))
    online_share = fields.Float(allow_none=True, metadata={
        "description": "share of the period's payments made by QR transfer, 0 to 1; null "
                       "when none"})
    held_transfers = fields.List(fields.Nested(HeldTransferSchema))
    held_vnd = fields.Integer()


@blp.route("/payments")
class Payments(MethodView):
    """Fees collected, the online share, and transfers held for reconciliation."""

    @blp.arguments(PaymentsQuery, location="query")
    @blp.response(200, PaymentReportSchema)
    @blp.doc(**_file_formats_doc(PaymentReportSchema))
    def get(self, query):
        """Report the fees paid in a period by procedure and channel, and the transfers held.

        `online_share` is the share paid by QR transfer, one of the digitisation figures.
        `format=csv` and `format=xlsx` download the collected rows as a file.
        """
        first, last = query["first_day"], query["last_day"]
        start, end = _period(first, last)
        report = payment_report(db.session, period_start=start, period_end=end)
        stem = f"payments-{first.isoformat()}-{last.isoformat()}"
        return tabular(report.rows, CollectedRow, query["format"], stem,
                       {"first_day": first, "last_day": last,
                        "online_share": report.online_share,
                        "held_transfers": report.held_transfers, "held_vnd": report.held_vnd})
