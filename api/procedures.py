"""Procedures the center posts."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_user
from api.clock import now
from api.designer import WRITERS_ONLY, DraftSchema
from api.extensions import db
from api.schemas import ProcedureSchema, ProcedureSummarySchema
from engine.procedure_creation import (
    MAX_WORKING_DAYS,
    NAME_MAX,
    PROCEDURE_CODE,
    NewProcedure,
    create_procedure,
)
from engine.procedure_patterns import Pattern
from engine.procedures import get_all_procedures, get_procedure_or_raise

blp = Blueprint("procedures", __name__, url_prefix="/api/v1/procedures",
                description="Administrative procedures and their models")


class NewProcedureSchema(Schema):
    """A new procedure drawn from a starting pattern."""

    code = fields.String(required=True, validate=validate.Regexp(PROCEDURE_CODE), metadata={
        "description": "the procedure's code, e.g. 1.001193: letters, digits, '.', '_', '-'"})
    name_vi = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    department = fields.String(required=True, validate=validate.Length(min=1, max=32),
                               metadata={"description": "the handling department's code"})
    working_days = fields.Integer(required=True,
                                  validate=validate.Range(min=0, max=MAX_WORKING_DAYS),
                                  metadata={"description": "the statutory deadline"})
    same_day = fields.Boolean(load_default=False, metadata={
        "description": "handled the same working day (working_days, if any, is the longest "
                       "a complex case may take)"})
    pattern = fields.String(load_default=str(Pattern.GENERIC),
                            validate=validate.OneOf([str(p) for p in Pattern]))


@blp.route("")
class Procedures(MethodView):
    """The procedure list."""

    @blp.response(200, ProcedureSummarySchema(many=True))
    def get(self):
        """List every procedure the center handles."""
        return get_all_procedures(db.session)

    @blp.arguments(NewProcedureSchema)
    @blp.response(201, DraftSchema)
    @blp.alt_response(403, description=WRITERS_ONLY)
    @blp.alt_response(409, description="a procedure already has this code: nothing changed")
    def post(self, body):
        """Create a procedure from a starting pattern, with its draft version 1 (designers, admins).

        The `generic` pattern is receive → the department handles (or asks for a supplement,
        or refuses) → its head checks → a leader signs → reception returns the result, with
        the counted step budgets adding up to the statutory deadline. The procedure is posted
        (catalogue, reception) once a designer publishes the draft. A code already used gives
        409; an unknown department or a deadline under half a day 422; nothing is changed.
        """
        new = NewProcedure(code=body["code"], name_vi=body["name_vi"], name_en=body["name_en"],
                           department=body["department"], working_days=body["working_days"],
                           same_day=body["same_day"], pattern=Pattern(body["pattern"]))
        return create_procedure(db.session, current_app.extensions["motcua"], new=new,
                                user=current_user(), now=now())


@blp.route("/<string:code>")
class ProcedureByCode(MethodView):
    """One procedure."""

    @blp.response(200, ProcedureSchema)
    def get(self, code):
        """Show a procedure with its required documents, intake form and steps."""
        procedure = get_procedure_or_raise(db.session, code)
        ctx = current_app.extensions["motcua"]
        model = ctx.model(db.session, procedure.spec_hash)
        return {
            "code": procedure.code, "name_vi": procedure.name_vi, "name_en": procedure.name_en,
            "department_code": procedure.department_code, "meta": procedure.meta,
            "spec_hash": procedure.spec_hash,
            "intake_schema": ctx.forms.schema(procedure.meta["intake_form"]),
            "steps": [
                {"id": s.bpmn_id, "name": s.name, "department": s.lane, "role": s.role,
                 "budget_hours": s.budget_hours, "counted": s.counted, "form": s.form_key}
                for s in model.steps.values()
            ],
        }
