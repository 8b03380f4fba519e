"""Procedures the center posts."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.extensions import db
from api.schemas import ProcedureSchema, ProcedureSummarySchema
from engine.procedures import get_all_procedures, get_procedure_or_raise

blp = Blueprint("procedures", __name__, url_prefix="/api/v1/procedures",
                description="Administrative procedures and their models")


@blp.route("")
class Procedures(MethodView):
    """The procedure list."""

    @blp.response(200, ProcedureSummarySchema(many=True))
    def get(self):
        """List every procedure the center handles."""
        return get_all_procedures(db.session)


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
