"""The citizen's lookup: status and appointment, no personal data."""

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import public
from api.extensions import db
from api.schemas import PublicDossierSchema, PublicLookupQuery
from engine.dossiers import public_lookup
from engine.procedures import get_procedure_or_raise

blp = Blueprint("public", __name__, url_prefix="/api/v1/public",
                description="Public lookups for citizens (no token)")


@blp.route("/dossiers/<string:code>")
class PublicDossier(MethodView):
    """A dossier as its citizen sees it."""

    @public
    @blp.arguments(PublicLookupQuery, location="query")
    @blp.response(200, PublicDossierSchema)
    @blp.doc(security=[])
    def get(self, query, code):
        """Show a dossier's status and appointment to whoever holds its code and PIN."""
        dossier = public_lookup(db.session, code=code, pin=query["pin"])
        procedure = get_procedure_or_raise(db.session, dossier.procedure_code)
        return {"code": dossier.code, "procedure_code": dossier.procedure_code,
                "procedure_name_vi": procedure.name_vi, "status": dossier.status,
                "received_at": dossier.received_at, "appointment_at": dossier.appointment_at,
                "finished_at": dossier.finished_at,
                "clock_paused": dossier.clock_paused_at is not None}
