"""Dossiers: receipt, lists, details and history."""

from flask import current_app, request
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
    ReceiptHeaders,
    ReceiptSchema,
    ReceiveDossierSchema,
    StopSchema,
    WithdrawalSchema,
)
from api.views import apology_view, dossier_view
from engine import audit
from engine.apologies import Apology, get_apology_or_raise, record_apology
from engine.dossiers import (
    Components,
    DossierFilter,
    get_all_dossiers,
    get_dossier_or_raise,
    receive_dossier_once,
)
from engine.idempotency import ReceiptKey
from engine.personal_data import View, record_reads
from engine.statuses import Channel
from engine.stops import stop_dossier, withdraw_dossier

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

    @blp.arguments(ReceiptHeaders, location="headers")
    @blp.arguments(ReceiveDossierSchema)
    @blp.response(201, ReceiptSchema)
    @refusals(blp, 403, 404, 422)
    def post(self, headers, body):
        """Receive a complete dossier: start its procedure and issue the code and PIN.

        The PIN appears only in this response: print it on the receipt slip so the
        citizen can follow the dossier at /api/v1/public/dossiers/{code}.

        Send an `Idempotency-Key` header (1–255 printable ASCII characters, a UUID is a
        good one) to make a retry safe. The same key with the same JSON body from the same
        user within 24 hours answers 201 with the same dossier and code instead of
        receiving another one. Its PIN is stored only as a keyed hash and cannot be shown
        again, so the replay issues a new PIN, says `pin_reissued: true`, and the PIN
        issued before stops working: print the new one. The same key with another body is
        refused with 422 `idempotency_key_reused` and changes nothing. After 24 hours a
        key is forgotten and starts a new receipt.
        """
        moment, key = now(), headers.get("idempotency_key")
        receipt = receive_dossier_once(
            db.session, current_app.extensions["motcua"],
            key=None if key is None else ReceiptKey.of(key, request.get_json()),
            procedure_code=body["procedure_code"], applicant=body["applicant"],
            channel=Channel(body["channel"]), intake=body["form_data"], user=current_user(),
            now=moment, components=Components(**body["components"]) if "components" in body
            else None)
        return dossier_view(receipt.dossier, moment, pin=receipt.pin,
                            pin_reissued=receipt.pin_reissued)


@blp.route("/<string:code>")
class DossierByCode(MethodView):
    """One dossier."""

    @blp.response(200, DossierSchema)
    @refusals(blp, 404)
    def get(self, code):
        """Show a dossier with its open steps (id, step, department, state, assignee).

        `procedure_version` is the version of the procedure the dossier runs: the one
        published when it was received, or the one a designer moved it to. Its deadline
        rules, forms and fee are that version's, whatever was published since.

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



@blp.route("/<string:code>/withdrawal")
class DossierWithdrawal(MethodView):
    """The citizen's withdrawal, recorded by reception."""

    @blp.arguments(WithdrawalSchema)
    @blp.response(200, DossierSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, code):
        """Withdraw a dossier at the citizen's request, before it is decided (reception).

        The dossier takes status 7 (citizen withdrawal): its open steps are cancelled, the
        workflow stops, the deadline stops and the citizen is notified; `reason` (optional)
        is kept and shown to them. Once a leader has signed, or the dossier is processed or
        has ended, the answer is 409 `dossier_decided` and nothing changes. Reception staff
        and admins only (403 for others).
        """
        moment = now()
        dossier = withdraw_dossier(db.session, current_app.extensions["motcua"], code=code,
                                   user=current_user(), reason=body["reason"], now=moment)
        return dossier_view(dossier, moment)


@blp.route("/<string:code>/stop")
class DossierStop(MethodView):
    """Stopping a dossier's processing (status 8)."""

    @blp.arguments(StopSchema)
    @blp.response(200, DossierSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, code):
        """Stop processing a dossier before it is decided, for a reason the citizen is told.

        The dossier takes status 8 (stopped): its open steps are cancelled, the workflow
        stops, the deadline stops and the citizen is notified with the `reason`, which is
        required (422 `invalid_input` when blank) and kept for the stop notice (Form 05).
        The head of a department working on the dossier or a leader stops it (403 for
        others); once a leader has signed or the dossier is processed or has ended, 409
        `dossier_decided` and nothing changes.
        """
        moment = now()
        dossier = stop_dossier(db.session, current_app.extensions["motcua"], code=code,
                               user=current_user(), reason=body["reason"], now=moment)
        return dossier_view(dossier, moment)
