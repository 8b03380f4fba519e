"""Models drawn in bpmn.io or Camunda Modeler, converted for the designer page; nothing stored."""

import re

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.auth import current_user
from api.config import model_body_bytes
from api.designer import ProblemSchema
from api.error_messages import message_of
from api.errors import error_response
from api.extensions import db
from api.json_numbers import decode_json_body
from engine.access import check_can_design
from engine.bpmn_import import ImportOptions, TimerMode, import_model
from engine.errors import InvalidInput
from engine.import_check import check_imported
from engine.import_report import EntryKind
from engine.models import Department
from engine.validation import HostileXml

# A model pasted as text is already decoded: its declaration's encoding no longer applies.
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")

blp = Blueprint("procedure_import", __name__, url_prefix="/api/v1/procedures",
                description="Models from other tools converted into procedure models")


@blp.before_request
def _allow_model_bodies():
    """Let a request carry a whole model: the XML limit, JSON-escaped, on top of the usual."""
    request.max_content_length = model_body_bytes(current_app.config)
    decode_json_body()


@blp.errorhandler(HostileXml)
def _hostile(err: HostileXml):
    """Refuse hostile documents as a bad request: they are never parsed further."""
    return error_response(400, err.code, message_of(err), err.details)


class ImportRequestSchema(Schema):
    """A model from another tool and the designer's choices for its conversion."""

    bpmn_xml = fields.String(required=True, validate=validate.Length(min=1),
                             metadata={"description": "the BPMN 2.0 XML as the other tool "
                                                      "saved it"})
    code = fields.String(validate=validate.Length(min=1, max=64),
                         metadata={"description": "procedure code; default: the process id"})
    name_vi = fields.String(validate=validate.Length(min=1, max=500))
    department = fields.String(metadata={"description": "the responsible department, given "
                                                        "the steps nothing else maps"})
    map = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict,
                      metadata={"description": "candidate group, assignee or lane name → "
                                               "department code"})
    timers = fields.String(validate=validate.OneOf([m.value for m in TimerMode]),
                           load_default=TimerMode.CALENDAR.value,
                           metadata={"description": "read ISO-8601 durations as calendar or "
                                                    "working time"})


class ReportEntrySchema(Schema):
    """One change, question or refusal, located in the file given."""

    kind = fields.String(validate=validate.OneOf([k.value for k in EntryKind]),
                         metadata={"description": "changed: done; decide: a default to check; "
                                                  "refused: must change before it runs"})
    line = fields.Integer(allow_none=True, metadata={"description": "line in the file given"})
    element = fields.String(allow_none=True)
    message = fields.String()
    action = fields.String()


class ImportResultSchema(Schema):
    """The converted model, its metadata and forms, the report and the check's problems."""

    bpmn_xml = fields.String()
    folder = fields.String()
    meta = fields.Dict(metadata={"description": "procedure.json for the converted model"})
    forms = fields.Dict(keys=fields.String(), values=fields.Dict(),
                        metadata={"description": "form key → JSON Schema, one per step and the "
                                                 "intake form"})
    refused = fields.Boolean()
    entries = fields.List(fields.Nested(ReportEntrySchema))
    problems = fields.List(fields.Nested(ProblemSchema), metadata={
        "description": "the check of the converted model; lines are the converted XML's"})


@blp.route("/import")
class ProcedureImport(MethodView):
    """A model converted from another tool."""

    @blp.arguments(ImportRequestSchema)
    @blp.response(200, ImportResultSchema)
    def post(self, body):
        """Convert a bpmn.io or Camunda Modeler model; store nothing.

        Answers the converted XML (its diagram kept), procedure metadata, a form per step,
        the conversion report (every change and everything left to decide, each with its
        line and element in the file given) and the check's problems. A model that cannot
        run yet still answers 200 with `refused: true`. 422 when the text is not a BPMN
        model or a department is unknown; 400 for hostile XML. Designers and admins only.
        """
        check_can_design(current_user(), "import procedure models")
        codes = set(db.session.scalars(select(Department.code)))
        unknown = sorted({body.get("department"), *body["map"].values()} - codes - {None})
        if unknown:
            raise InvalidInput(f"unknown department codes {unknown}", field="department",
                               reason="unknown_departments", codes=unknown, known=sorted(codes))
        options = ImportOptions(code=body.get("code"), name_vi=body.get("name_vi"),
                                department=body.get("department"),
                                group_departments=body["map"], timers=TimerMode(body["timers"]))
        try:
            xml = _DECLARATION.sub("", body["bpmn_xml"], count=1).encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidInput("the BPMN model is not valid Unicode text", field="bpmn_xml",
                               reason="model_not_text") from None
        imported = import_model(xml, options=options, department_codes=codes)
        problems = check_imported(imported, known_forms=current_app.extensions["motcua"].forms
                                  .__contains__, department_codes=codes)
        return {"bpmn_xml": imported.bpmn_xml.decode("utf-8"), "folder": imported.folder,
                "meta": imported.meta, "forms": imported.forms, "refused": imported.refused,
                "entries": [e.as_dict() for e in imported.entries],
                "problems": [p.as_dict() for p in problems]}
