"""The processing-control sheet (Form 06) of a dossier, as JSON or as a CSV download."""

import csv
import io
from datetime import datetime

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_user
from api.clock import now
from api.extensions import db
from engine.cells import inert
from engine.control_sheet import ControlSheet, control_sheet

CSV = "text/csv"
JSON = "application/json"
# Excel opens a UTF-8 file as the local code page unless it starts with a byte-order mark.
BOM = "\ufeff"
# (Vietnamese / English header, how to read the cell off a row), in column order.
CSV_COLUMNS = (
    ("STT / No.", None),
    ("Bước / Step", lambda r: r.step),
    ("Tên bước / Step name", lambda r: r.step_name),
    ("Trạng thái / State", lambda r: r.state),
    ("Bên giao / Giver", lambda r: r.giver),
    ("Bộ phận nhận / Receiving department", lambda r: r.receiver_department),
    ("Người nhận / Receiver", lambda r: r.receiver),
    ("Thời điểm sẵn sàng / Ready at", lambda r: r.ready_at),
    ("Thời điểm nhận xử lý / Claimed at", lambda r: r.claimed_at),
    ("Thời điểm hoàn thành / Completed at", lambda r: r.completed_at),
    ("Giờ làm việc chờ / Waiting working hours", lambda r: r.waiting_hours),
    ("Giờ làm việc xử lý / Working hours", lambda r: r.working_hours),
    ("Thời gian quy định (giờ) / Budget hours", lambda r: r.budget_hours),
    ("Hạn xử lý / Due at", lambda r: r.due_at),
    ("Kết quả / Verdict", lambda r: r.verdict),
)

SHEET_DESCRIPTION = ("The sheet as JSON; as text/csv, the steps (UTF-8 with a byte-order mark), "
                     "one row per step under a header row in Vietnamese and English.")

blp = Blueprint("control_sheets", __name__, url_prefix="/api/v1/dossiers",
                description="Processing-control sheets (Form 06)")


class ControlSheetQuery(Schema):
    """How to deliver the sheet."""

    format = fields.String(validate=validate.OneOf(["json", "csv"]), metadata={
        "description": "csv: a download for spreadsheets; default json, or csv when the "
                       "Accept header prefers text/csv"})


class ControlSheetRowSchema(Schema):
    """One step: its handoff, its times in working hours, and its verdict."""

    step = fields.String()
    step_name = fields.String()
    state = fields.String(metadata={"description": "ready, claimed, completed or cancelled"})
    giver = fields.String(metadata={
        "description": "who handed the step over: whoever completed the step before it, or "
                       "the receptionist for the first; '—' when unknown"})
    receiver_department = fields.String()
    receiver = fields.String(allow_none=True,
                             metadata={"description": "the assignee, once the step is claimed"})
    ready_at = fields.DateTime()
    claimed_at = fields.DateTime(allow_none=True)
    completed_at = fields.DateTime(allow_none=True)
    waiting_hours = fields.Float(allow_none=True, metadata={
        "description": "working hours from ready to claimed; so far while unclaimed"})
    working_hours = fields.Float(allow_none=True, metadata={
        "description": "working hours from claimed to completed; so far while claimed"})
    budget_hours = fields.Float()
    due_at = fields.DateTime(allow_none=True)
    verdict = fields.String(metadata={
        "description": "early, on_time or late once completed; overdue or 'in progress' "
                       "while open; cancelled"})


class ControlSheetSchema(Schema):
    """Form 06: the dossier and every handoff of it; times in the center's zone."""

    dossier_code = fields.String()
    procedure_code = fields.String()
    procedure_name_vi = fields.String()
    procedure_name_en = fields.String()
    procedure_version = fields.Integer(metadata={
        "description": "the procedure version the dossier runs, whose step budgets apply"})
    received_at = fields.DateTime()
    received_by = fields.String()
    appointment_at = fields.DateTime(allow_none=True)
    status = fields.Integer(metadata={"description": "DVCQG status code"})
    status_label_vi = fields.String()
    status_label_en = fields.String()
    processed_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "early, on_time or late"})
    generated_at = fields.DateTime()
    rows = fields.List(fields.Nested(ControlSheetRowSchema))


@blp.route("/<string:code>/control-sheet")
class DossierControlSheet(MethodView):
    """The processing-control sheet of one dossier."""

    @blp.arguments(ControlSheetQuery, location="query")
    @blp.response(200, ControlSheetSchema, description=SHEET_DESCRIPTION)
    @blp.alt_response(200, content_type=CSV, success=True, schema={"type": "string"},
                      description=SHEET_DESCRIPTION)
    def get(self, query, code):
        """Show the processing-control sheet (Form 06): each step's giver, receiver and times.

        Steps are listed in the order they became ready, with the working hours they
        waited and were worked (so far, while open) and whether they finished early, on
        time or late. Ask for CSV with `?format=csv` or `Accept: text/csv`.
        """
        moment = now()
        calendar = current_app.extensions["motcua"].calendar(db.session)
        sheet = control_sheet(db.session, code=code, user=current_user(), calendar=calendar,
                              now=moment)
        if _wants_csv(query.get("format")):
            return csv_response(sheet)
        return sheet


def _wants_csv(format_: str | None) -> bool:
    if format_ is not None:
        return format_ == "csv"
    return request.accept_mimetypes.best_match([JSON, CSV]) == CSV


def csv_response(sheet: ControlSheet) -> Response:
    """Return the sheet's steps as a CSV download (UTF-8 with a byte-order mark)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header for header, _ in CSV_COLUMNS)
    for number, row in enumerate(sheet.rows, 1):
        writer.writerow([number, *(_cell(read(row)) for _, read in CSV_COLUMNS[1:])])
    return Response(BOM + buffer.getvalue(), mimetype=CSV, headers={
        "Content-Disposition": f'attachment; filename="control-sheet-{sheet.dossier_code}.csv"'})


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return inert(value) if isinstance(value, str) else str(value)

