"""Dossiers: receipt, lists, details and history."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_user
from api.clock import now
from api.extensions import db
from api.schemas import (
    DossierListQuery,
    DossierPageSchema,
    DossierSchema,
    HistoryEventSchema,
    ReceiptSchema,
    ReceiveDossierSchema,
)
from engine import audit
from engine.dossiers import (
    DossierFilter,
    get_all_dossiers,
    get_dossier_or_raise,
    open_tasks,
    receive_dossier,
)
from engine.statuses import Channel

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers",
                description="Citizens' dossiers")


def dossier_view(dossier, **extra) -> dict:
    """Return a dossier with its open steps, ready to dump."""
    columns = {c: getattr(dossier, c) for c in (
        "code", "procedure_code", "status", "channel", "applicant", "intake", "fee_vnd",
        "received_at", "updated_at", "finished_at")}
    return {**columns, "open_steps": open_tasks(db.session, dossier), **extra}


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
    def post(self, body):
        """Receive a complete dossier: start its procedure and issue the code and PIN.

        The PIN appears only in this response: print it on the receipt slip so the
        citizen can follow the dossier at /api/v1/public/dossiers/{code}.
        """
        dossier, pin = receive_dossier(
            db.session, current_app.extensions["motcua"],
            procedure_code=body["procedure_code"], applicant=body["applicant"],
            channel=Channel(body["channel"]), intake=body["form_data"], user=current_user(),
            now=now())
        return dossier_view(dossier, pin=pin)


@blp.route("/<string:code>")
class DossierByCode(MethodView):
    """One dossier."""

    @blp.response(200, DossierSchema)
    def get(self, code):
        """Show a dossier with its open steps (id, step, department, state, assignee)."""
        return dossier_view(get_dossier_or_raise(db.session, code, user=current_user()))


@blp.route("/<string:code>/history")
class DossierHistory(MethodView):
    """What happened to one dossier."""

    @blp.response(200, HistoryEventSchema(many=True))
    def get(self, code):
        """List every audited change of the dossier, oldest first."""
        dossier = get_dossier_or_raise(db.session, code, user=current_user())
        return audit.history(db.session, dossier.code)
