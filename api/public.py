"""The citizen's side without a token: look a dossier up, submit one online, complete it."""

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import public
from api.clock import now
from api.error_messages import say
from api.errors import error_response
from api.extensions import db
from api.lookup_limits import count_lookup, count_submission
from api.refusals import refusals
from api.schemas import (
    PIN_HEADER,
    CompletionBody,
    OnlineSubmissionBody,
    OnlineSubmissionReceipt,
    PublicDossierSchema,
    PublicLookupBody,
    PublicLookupHeaders,
    PublicWithdrawalBody,
)
from engine.dossiers import citizen_notice, public_lookup
from engine.models import Dossier
from engine.online import resubmit_online, submit_online
from engine.procedures import get_procedure_or_raise
from engine.stops import end_reason, withdraw_by_citizen

blp = Blueprint("public", __name__, url_prefix="/api/v1/public",
                description="Public lookups for citizens (no token). Each client and each "
                            "dossier may be looked up a limited number of times a minute; "
                            "past that the answer is 429 with Retry-After.")
LOOKUP_DOC = {"security": [], "responses": {"429": "TOO_MANY_REQUESTS"}}


@blp.before_request
def _refuse_pin_in_url():
    """Refuse a PIN in the query string: URLs are written to access logs."""
    if "pin" in request.args:
        return error_response(400, "bad_request",
                              say("bad_request", "pin_in_url", header=PIN_HEADER,
                                  lookup=f"{request.path.rstrip('/').removesuffix('/lookup')}/lookup"),
                              {"header": PIN_HEADER})
    return None


@blp.before_request
def _refuse_large_submission():
    """Refuse an online submission larger than its own limit, unread, saying the limit."""
    if request.method != "POST" or request.endpoint not in SUBMISSION_ENDPOINTS:
        return None
    limit = current_app.config["MOTCUA_SUBMISSION_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        return error_response(413, "body_too_large",
                              say("body_too_large", "submission", max_bytes=limit),
                              {"max_bytes": limit})
    return None


@blp.route("/dossiers")
class OnlineSubmissions(MethodView):
    """Dossiers citizens submit online."""

    @public
    @blp.arguments(OnlineSubmissionBody)
    @blp.response(201, OnlineSubmissionReceipt)
    @refusals(blp, 404, 422)
    @blp.doc(**LOOKUP_DOC)
    def post(self, body):
        """Submit a dossier online for a procedure accepted online (`online` in the catalogue).

        The form data is checked against the intake form of the procedure's published version,
        to which the dossier stays pinned; the applicant gives a phone or an email. The answer
        is the code and the PIN (shown only now): status 1, channel 2. Reception verifies it
        within 8 working hours (`verify_by`) and the citizen is told the answer. Each client may
        submit a limited number of times an hour (429 with Retry-After, reason
        `submissions`) and a body is at most MOTCUA_SUBMISSION_MAX_BYTES (413).
        """
        count_submission()
        moment = now()
        submitted = submit_online(db.session, current_app.extensions["motcua"],
                                  procedure_code=body["procedure_code"],
                                  applicant=body["applicant"], intake=body["form_data"],
                                  now=moment)
        dossier = submitted.dossier
        return {"code": dossier.code, "pin": submitted.pin,
                "procedure_code": dossier.procedure_code, "channel": dossier.channel,
                "status": dossier.status, "submitted_at": submitted.submitted_at,
                "verify_by": submitted.verify_by}


@blp.route("/dossiers/<string:code>/completion")
class Completion(MethodView):
    """The completed form of a submission reception asked to complete."""

    @public
    @blp.arguments(CompletionBody)
    @blp.response(200, PublicDossierSchema)
    @refusals(blp, 404, 409, 422)
    @blp.doc(**LOOKUP_DOC)
    def post(self, body, code):
        """Send the completed intake form with the PIN; the submission waits for reception again.

        Only a submission whose status is 5 (asked to complete) takes a completion (409
        otherwise). Counted against the lookup's limits, like any use of a PIN.
        """
        count_lookup(code)
        resubmit_online(db.session, current_app.extensions["motcua"], code=code,
                        pin=body["pin"], intake=body["form_data"], now=now())
        return citizen_lookup(code, body["pin"], counted=True)


SUBMISSION_ENDPOINTS = {f"{blp.name}.{view.__name__}" for view in (OnlineSubmissions,
                                                                  Completion)}


@blp.route("/dossiers/<string:code>")
class PublicDossier(MethodView):
    """A dossier as its citizen sees it."""

    @public
    @blp.arguments(PublicLookupHeaders, location="headers")
    @blp.response(200, PublicDossierSchema)
    @blp.doc(**LOOKUP_DOC)
    def get(self, headers, code):
        """Show a dossier's status and appointment to whoever holds its code and PIN.

        While a supplement is requested, `missing_documents` lists what the officer asked
        for; when the dossier was refused, `refusal_reason` says why. The PIN printed on the
        receipt slip goes in the `X-Dossier-PIN` header, never in the
        URL (`?pin=` is refused with 400).
        """
        return citizen_lookup(code, headers["pin"])


@blp.route("/dossiers/<string:code>/lookup")
class PublicDossierLookup(MethodView):
    """The same lookup, for clients that prefer to send the PIN in a body."""

    @public
    @blp.arguments(PublicLookupBody)
    @blp.response(200, PublicDossierSchema)
    @blp.doc(**LOOKUP_DOC)
    def post(self, body, code):
        """Show a dossier's status and appointment to whoever sends its code and PIN.

        Send `{"pin": "123456"}`, the PIN printed on the receipt slip. The answer is the GET's,
        with `missing_documents` and `refusal_reason` when they apply. Nothing is changed.
        """
        return citizen_lookup(code, body["pin"])


@blp.route("/dossiers/<string:code>/withdrawal")
class PublicDossierWithdrawal(MethodView):
    """The citizen withdraws their dossier."""

    @public
    @blp.arguments(PublicWithdrawalBody)
    @blp.response(200, PublicDossierSchema)
    @blp.doc(**LOOKUP_DOC)
    @refusals(blp, 404, 409)
    def post(self, body, code):
        """Withdraw a dossier before it is decided, for whoever sends its code and PIN.

        Send `{"pin": "123456", "reason": "..."}` (the reason is optional). The dossier takes
        status 7: its open steps are cancelled and its deadline stops. Once the leader has
        signed or the dossier is processed or ended, the answer is 409 `dossier_decided` and
        nothing changes. Counted against the lookup's limits (429 past them); a wrong PIN
        answers 404 as an unknown code does.
        """
        count_lookup(code)
        dossier = withdraw_by_citizen(db.session, current_app.extensions["motcua"], code=code,
                                      pin=body["pin"], reason=body["reason"], now=now())
        return citizen_view(dossier)


def citizen_lookup(code: str, pin: str, *, counted: bool = False) -> dict:
    """Return what the citizen may see of the dossier citizen_dossier finds (and counts)."""
    return citizen_view(citizen_dossier(code, pin, counted=counted))


def citizen_dossier(code: str, pin: str, *, counted: bool = False) -> Dossier:
    """Count the lookup against the limits, then return the dossier of this code and PIN.

    Raises RateLimited past a limit and DossierNotFound for a wrong code or PIN alike;
    `counted` when the request was counted already.
    """
    if not counted:
        count_lookup(code)
    return public_lookup(db.session, code=code, pin=pin,
                         secret_key=current_app.extensions["motcua"].secret_key)


def citizen_view(dossier: Dossier) -> dict:
    """Return what the citizen may see of the dossier: no personal data."""
    procedure = get_procedure_or_raise(db.session, dossier.procedure_code)
    notice = citizen_notice(db.session, dossier)
    return {"code": dossier.code, "procedure_code": dossier.procedure_code,
            "procedure_name_vi": procedure.name_vi, "status": dossier.status,
            "received_at": dossier.received_at, "appointment_at": dossier.appointment_at,
            "finished_at": dossier.finished_at,
            "clock_paused": dossier.clock_paused_at is not None,
            "missing_documents": notice.missing_documents,
            "refusal_reason": notice.refusal_reason,
            "end_reason": end_reason(db.session, dossier)}
