"""Bottleneck steps of a procedure, drawn on its BPMN diagram: waiting and working vs budget.

The page lists the steps as a table; its script draws the published diagram with bpmn-js's
viewer from the XML and the step timings (engine.reports.step_timings) the two endpoints
below give it. Supervisors, leaders and admins only, as the dashboard.
"""

from enum import StrEnum

from flask import Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import fields
from sqlalchemy import select

from api.extensions import db
from api.reports import StepTimingRowSchema, StepTimingsSchema
from api.web import blp
from api.web.supervision import calendar_zone, period_days, report_reader
from engine.errors import ProcedureNotFound
from engine.models import Department
from engine.procedures import get_all_procedures, get_procedure_or_raise, stored_model_xml
from engine.reports import StepTimingRow, step_timings


class Standing(StrEnum):
    """Where a step stands against its budget: the colour of its badge and table row."""

    WORST = "worst"
    OVER = "over"
    WITHIN = "within"
    UNCOUNTED = "uncounted"


def standing(row: StepTimingRow) -> Standing:
    """Say whether a step waited and was worked, on average, within its budget or over it.

    The worst step is the first-ranked one (the largest share of its budget), when over it;
    steps whose time does not count against the deadline are not judged.
    """
    if not row.counted:
        return Standing.UNCOUNTED
    if row.load is None or row.load <= 1:
        return Standing.WITHIN
    return Standing.WORST if row.rank == 1 else Standing.OVER


class BottleneckRowSchema(StepTimingRowSchema):
    """A step's timings as the reports API gives them, and where it stands against its budget."""

    standing = fields.Function(lambda row: standing(row).value)


class BottlenecksSchema(StepTimingsSchema):
    """The step timings of a procedure over a period, each with its standing."""

    rows = fields.List(fields.Nested(BottleneckRowSchema))


def _timings(code: str, days) -> list[StepTimingRow]:
    first, last = days
    return step_timings(db.session, first_day=first, last_day=last, zone=calendar_zone(),
                        procedure_code=code)


def _name(record) -> str:
    return record.name_en if str(get_locale()) == "en" else record.name_vi


def _unknown_procedure():
    return render_template("web/page_refused.html", message=_(
        "Không tìm thấy thủ tục này: hãy chọn một thủ tục trong danh sách.")), 404


@blp.get("/giam-sat/diem-nghen")
def bottlenecks():
    """Show where a procedure's steps wait and work longer than their budget, for a period."""
    report_reader()
    code = request.args.get("procedure", "")
    page = {"procedures": [(p.code, _name(p)) for p in get_all_procedures(db.session)],
            "code": code, "first": request.args.get("from", ""),
            "last": request.args.get("to", "")}
    days = period_days()
    if days is None:
        return render_template("web/bottlenecks.html", bad_period=True, **page), 422
    page.update(first=days[0].isoformat(), last=days[1].isoformat())
    if not code:
        return render_template("web/bottlenecks.html", **page)
    try:
        procedure = get_procedure_or_raise(db.session, code)
    except ProcedureNotFound:
        return _unknown_procedure()
    departments = {d.code: _name(d) for d in db.session.scalars(select(Department))}
    return render_template("web/bottlenecks.html", procedure=procedure,
                           procedure_name=_name(procedure), rows=_timings(code, days),
                           standing=standing, departments=departments, **page)


@blp.get("/giam-sat/diem-nghen.json")
def bottleneck_timings():
    """Give the diagram its figures: the procedure's step timings, as the reports API does."""
    report_reader()
    days = period_days()
    if days is None:
        abort(422)
    code = request.args.get("procedure", "")
    try:
        rows = _timings(code, days)
    except ProcedureNotFound:
        abort(404)
    return BottlenecksSchema().dump({"first_day": days[0], "last_day": days[1],
                                     "procedure": code, "rows": rows})


@blp.get("/giam-sat/so-do/<string:code>.bpmn")
def procedure_diagram(code: str):
    """Give the BPMN XML of the procedure's published model, for the viewer."""
    report_reader()
    try:
        procedure = get_procedure_or_raise(db.session, code)
    except ProcedureNotFound:
        abort(404)
    xml, _process_id = stored_model_xml(db.session, procedure.spec_hash)
    return Response(xml.encode("utf-8"), mimetype="application/xml")
