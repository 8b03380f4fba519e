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
from api.views import apology_view, dossier_view
from engine import audit
from engine.apologies import Apology, get_apology_or_raise, record_apology
from engine.dossiers import (
    Components,
    DossierFilter,
    get_all_dossiers,
    get_dossier_or_raise,
    receive_dossier,
)
from engine.personal_data import View, record_reads
from engine.statuses import Channel

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers",
                description="Citizens' dossiers")


@blp.route("")
class Dossiers(MethodView):
    """The dossier register."""

    @blp.arguments(DossierListQuery, location="query")
    @blp.response(200, DossierPageSchema)
    def get(self, query):
        """List the dossiers you may see, newest first, by procedure, status, channel or date.

        `q` finds a dossier whose receipt slip was lost: by its code, by the applicant's ID
        number, or by the start of the applicant's name (diacritics and case ignored).

        Officers and heads see the dossiers their department has or had a step in;
        reception, leaders, supervisors and admins see all; an external agency sees the
        dossiers handed to it. Each listed dossier counts as a read of its personal data.
        """
        page, page_size = query.pop("page"), query.pop("page_size")
        user = current_user()
        items, total = get_all_dossiers(db.session, user=user, where=DossierFilter(**query),
                                        page=page, page_size=page_size)
        record_reads(db.session, user=user, dossier_codes=[d.code for d in items],
                     view=View.LIST, now=now())
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
    @refusals(blp, 404)
    def get(self, code):
        """Show a dossier with its open steps (id, step, department, state, assignee).

        A dossier you may not see answers 404, as an unknown code does. The read of
        its personal data is recorded.
        """
        user, moment = current_user(), now()
        dossier = get_dossier_or_raise(db.session, code, user=user)
        record_reads(db.session, user=user, dossier_codes=[dossier.code], view=View.DETAIL,
                     now=moment)
        return dossier_view(dossier, moment)


@blp.route("/<string:code>/history")
class DossierHistory(MethodView):
    """What happened to one dossier."""

    @blp.response(200, HistoryEventSchema(many=True))
    @refusals(blp, 404)
    def get(self, code):
        """List every audited change of the dossier, oldest first.

        A dossier you may not see answers 404. The read of its form data is recorded.
        """
        user = current_user()
        dossier = get_dossier_or_raise(db.session, code, user=user)
        events = audit.history(db.session, dossier.code)
        record_reads(db.session, user=user, dossier_codes=[dossier.code], view=View.HISTORY,
                     now=now())
        return events


@blp.route("/<string:code>/apology")
class DossierApology(MethodView):
    """The apology and extension letter (Form 04)."""

    @blp.response(200, ApologyLetterSchema)
    @refusals(blp, 404)
    def get(self, code):
        """Show the dossier's apology and new appointment, with what Form 04 prints.

        404 when the dossier has none or you may not see it. The read is recorded.
        """
        user = current_user()
        letter = apology_view(get_apology_or_raise(db.session, code=code, user=user))
        record_reads(db.session, user=user, dossier_codes=[letter["dossier_code"]],
                     view=View.APOLOGY, now=now())
        return letter

    @blp.arguments(ApologySchema)
    @blp.response(201, ApologyLetterSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, code):
        """Apologise and give a new appointment: allowed once per dossier, 409 the second time.

        Recorded by the head of a department that has or had a step of the dossier, a
        leader or an admin (403 for others). The new appointment must be a working time
        (a working day, within office hours) after the current one and no later than the
        procedure's statutory deadline counted again from the current appointment (422
        naming new_appointment_at otherwise).
        """
        extension = record_apology(db.session, current_app.extensions["motcua"], code=code,
                                   letter=Apology(**body), user=current_user(), now=now())
        return apology_view(extension)

