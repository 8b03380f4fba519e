"""Dossiers: receipt, lists, details and history."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_user
from api.clock import now
from api.extensions import db
from api.refusals import refusals
from api.schemas import (
    ApologyLetterSchema,
    ApologySchema,
    DossierListQuery,
    DossierPageSchema,
    DossierSchema,
    HistoryEventSchema,
    ReceiptSchema,
    ReceiveDossierSchema,
)
from api.views import dossier_view
from engine import audit
from engine.apologies import Apology, get_apology_or_raise, record_apology
from engine.dossiers import (
    Components,
    DossierFilter,
    get_all_dossiers,
    get_dossier_or_raise,
    receive_dossier,
)
from engine.models import Dossier
from engine.procedures import get_procedure_or_raise
from engine.statuses import Channel

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers",
                description="Citizens' dossiers")


@blp.route("")
class Dossiers(MethodView):
    """The dossier register."""

    @blp.arguments(DossierListQuery, location="query")
    @blp.response(200, DossierPageSchema)
    def get(self, query):
        """List dossiers, newest first, filtered by procedure, status, channel or receipt date."""
        page, page_size = query.pop("page"), query.pop("page_size")
        items, total = get_all_dossiers(db.session, user=current_user(),
                                        where=DossierFilter(**query), page=page,
                                        page_size=page_size)
        return {"items": items, "page": page, "page_size": page_size, "total": total}

    @blp.arguments(ReceiveDossierSchema)
    @blp.response(201, ReceiptSchema)
    @refusals(blp, 403, 404, 422)
    def post(self, body):
        """Receive a complete dossier: start its procedure and issue the code and PIN.

        The PIN appears only in this response: print it on the receipt slip so the
        citizen can follow the dossier at /api/v1/public/dossiers/{code}.
        """
        moment = now()
        dossier, pin = receive_dossier(
            db.session, current_app.extensions["motcua"],
            procedure_code=body["procedure_code"], applicant=body["applicant"],
            channel=Channel(body["channel"]), intake=body["form_data"], user=current_user(),
            now=moment, components=Components(**body["components"]) if "components" in body
            else None)
        return dossier_view(dossier, moment, pin=pin)


@blp.route("/<string:code>")
class DossierByCode(MethodView):
    """One dossier."""

    @blp.response(200, DossierSchema)
    def get(self, code):
        """Show a dossier with its open steps (id, step, department, state, assignee)."""
        return dossier_view(get_dossier_or_raise(db.session, code, user=current_user()), now())


@blp.route("/<string:code>/history")
class DossierHistory(MethodView):
    """What happened to one dossier."""

    @blp.response(200, HistoryEventSchema(many=True))
    def get(self, code):
        """List every audited change of the dossier, oldest first."""
        dossier = get_dossier_or_raise(db.session, code, user=current_user())
        return audit.history(db.session, dossier.code)


@blp.route("/<string:code>/apology")
class DossierApology(MethodView):
    """The apology and extension letter (Form 04)."""

    @blp.response(200, ApologyLetterSchema)
    def get(self, code):
        """Show the dossier's apology and new appointment, with what Form 04 prints."""
        return _letter(get_apology_or_raise(db.session, code=code, user=current_user()))

    @blp.arguments(ApologySchema)
    @blp.response(201, ApologyLetterSchema)
    def post(self, body, code):
        """Apologise and give a new appointment: allowed once per dossier, 409 the second time."""
        extension = record_apology(db.session, current_app.extensions["motcua"], code=code,
                                   letter=Apology(**body), user=current_user(), now=now())
        return _letter(extension)


def _letter(extension) -> dict:
    dossier = db.session.get(Dossier, extension.dossier_id)
    procedure = get_procedure_or_raise(db.session, dossier.procedure_code)
    return {
        "agency_code": current_app.extensions["motcua"].agency_code,
        "procedure_code": procedure.code, "procedure_name_vi": procedure.name_vi,
        "dossier_code": dossier.code,
        "citizen_full_name": dossier.applicant.get("full_name"),
        "citizen_id_number": dossier.applicant.get("id_number"),
        "original_appointment_at": extension.original_appointment_at,
        "new_appointment_at": extension.new_appointment_at, "reason": extension.reason,
        "apology": extension.apology, "signed_by": extension.signed_by,
        "recorded_at": extension.recorded_at,
    }
