"""Reception's verification of online submissions: the queue, accept, ask to complete, refuse."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_user
from api.clock import now
from api.extensions import db
from api.refusals import refusals
from api.schemas import (
    AskToCompleteBody,
    DossierSchema,
    RefuseSubmissionBody,
    WaitingSubmissionSchema,
)
from api.views import dossier_view
from engine.online import accept_online, ask_to_complete, refuse_online, waiting_submissions
from engine.personal_data import View, record_reads

blp = Blueprint("online", __name__, url_prefix="/api/v1/online-submissions",
                description="Dossiers citizens submitted online, waiting for reception")


@blp.route("")
class WaitingSubmissions(MethodView):
    """The submissions reception has still to answer."""

    @blp.response(200, WaitingSubmissionSchema(many=True))
    @refusals(blp, 403)
    def get(self):
        """List the online submissions waiting for verification, oldest first.

        `verify_by` is 8 working hours after the (re)submission: by then reception accepts,
        asks to complete, or refuses. Reception staff only.
        """
        user = current_user()
        waiting = waiting_submissions(db.session, user=user)
        record_reads(db.session, user=user, dossier_codes=[w.dossier.code for w in waiting],
                     view=View.LIST, now=now())
        return waiting


@blp.route("/<string:code>/accept")
class Accept(MethodView):
    """Accept a submission."""

    @blp.response(200, DossierSchema)
    @refusals(blp, 403, 404, 409)
    def post(self, code):
        """Accept the submission: status 2, the procedure's workflow starts.

        The appointment counts from the submission with the online cut-off: submitted after
        17:00 or on a day off, from 08:00 of the next working day. The citizen is notified.
        """
        moment = now()
        dossier = accept_online(db.session, current_app.extensions["motcua"], code=code,
                                user=current_user(), now=moment)
        return dossier_view(dossier, moment)


@blp.route("/<string:code>/ask-to-complete")
class AskToComplete(MethodView):
    """Ask the citizen to complete a submission."""

    @blp.arguments(AskToCompleteBody)
    @blp.response(200, DossierSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, code):
        """List what is missing (status 5); the citizen sees it and resubmits with code and PIN."""
        moment = now()
        dossier = ask_to_complete(db.session, current_app.extensions["motcua"], code=code,
                                  missing=body["missing"], user=current_user(), now=moment)
        return dossier_view(dossier, moment)


@blp.route("/<string:code>/refuse")
class Refuse(MethodView):
    """Refuse a submission."""

    @blp.arguments(RefuseSubmissionBody)
    @blp.response(200, DossierSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, code):
        """Refuse the submission with a reason the citizen sees (status 3)."""
        moment = now()
        dossier = refuse_online(db.session, current_app.extensions["motcua"], code=code,
                                reason=body["reason"], user=current_user(), now=moment)
        return dossier_view(dossier, moment)
