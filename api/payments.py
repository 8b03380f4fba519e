"""A dossier's fee: what is due and its VietQR code, cash, refunds, the bank's notifications."""

import hashlib
import hmac
import io

import segno
from flask import Response, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_user, public
from api.clock import now
from api.error_messages import say
from api.errors import error_response
from api.extensions import db
from api.refusals import refusals
from api.reports import HeldTransferSchema
from engine.errors import NotFound
from engine.models import Payment
from engine.payment_dues import PaymentState, find_payment_by_code
from engine.payments import (
    Transfer,
    get_payment_or_raise,
    receive_transfer,
    record_cash,
    refund,
    request_payment,
)
from engine.reconciliation import apply_held, dismiss_held, held_transfers
from engine.vietqr import Beneficiary, payload

SIGNATURE_HEADER = "X-Motcua-Signature"
SIGNATURE_PREFIX = "sha256="
QR_SCALE = 8
FEE_RECEIPT = "fee-receipt"  # the slip (engine.slips) printing the biên lai

blp = Blueprint("payments", __name__, url_prefix="/api/v1",
                description="Fees: what a dossier owes, its VietQR code, cash, refunds and the "
                            "bank's payment notifications")


class PaymentSchema(Schema):
    """A dossier's payment."""

    dossier_code = fields.String()
    amount_vnd = fields.Integer()
    state = fields.String(metadata={"description": "due, paid, refunded or waived"})
    reference = fields.String(metadata={
        "description": "what the transfer's description must carry, at most 25 characters"})
    vietqr_payload = fields.String(allow_none=True, metadata={
        "description": "the VietQR (EMVCo) payload while the fee is due and the center's "
                       "account is configured; null otherwise"})
    channel = fields.String(allow_none=True, metadata={"description": "qr or cash once paid"})
    transaction_id = fields.String(allow_none=True)
    due_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    refunded_at = fields.DateTime(allow_none=True)
    refund_reason = fields.String(allow_none=True)
    fee_receipt_url = fields.String(allow_none=True, metadata={
        "description": "the electronic fee receipt (biên lai, PDF) once paid or refunded; null "
                       "otherwise"})


class ReasonSchema(Schema):
    """Why: a fee is refunded, a held transfer dismissed."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class HeldTransferRowSchema(HeldTransferSchema):
    """A transfer held for reconciliation, with the id to apply or dismiss it by."""

    id = fields.Integer()


class ApplyHeldSchema(Schema):
    """The dossier a held transfer pays."""

    dossier_code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class HeldTransferResolvedSchema(HeldTransferRowSchema):
    """A held transfer once applied or dismissed."""

    resolution = fields.String(metadata={"description": "applied or dismissed"})
    resolved_at = fields.DateTime()
    resolution_note = fields.String(allow_none=True, metadata={
        "description": "why it was dismissed"})


class TransferNotificationSchema(Schema):
    """A transfer the bank confirms."""

    transaction_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount_vnd = fields.Integer(required=True, strict=True,
                                validate=validate.Range(min=0, max=10**15))
    description = fields.String(required=True, validate=validate.Length(max=500))
    paid_at = fields.AwareDateTime(required=True)


class TransferOutcomeSchema(Schema):
    """What the notification did."""

    outcome = fields.String(metadata={
        "description": "applied; held for reconciliation (unknown reference, wrong amount, "
                       "nothing due); or duplicate (this transaction_id was seen: nothing "
                       "changed)"})


def beneficiary() -> Beneficiary | None:
    """Return the center's account from the configuration, or None when it is not set."""
    bank_bin = current_app.config["MOTCUA_PAYMENT_BANK_BIN"]
    account = current_app.config["MOTCUA_PAYMENT_ACCOUNT"]
    return Beneficiary(bank_bin, account) if bank_bin and account else None


def qr_payload(payment: Payment) -> str | None:
    """Return the VietQR payload that pays this payment, while it is due and an account is set."""
    account = beneficiary()
    if payment.state != PaymentState.DUE or account is None:
        return None
    return payload(account, amount_vnd=payment.amount_vnd, reference=payment.reference)


def payment_view(code: str, payment: Payment) -> dict:
    """Return the payment with its QR payload, ready to dump."""
    columns = {c.key: getattr(payment, c.key) for c in Payment.__table__.columns}
    receipted = payment.state in (PaymentState.PAID, PaymentState.REFUNDED)
    return {**columns, "dossier_code": code, "vietqr_payload": qr_payload(payment),
            "fee_receipt_url": url_for("slips.DossierSlip", code=code, form=FEE_RECEIPT)
            if receipted else None}


def qr_png(text: str) -> bytes:
    """Return the QR code of `text` as a PNG image."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=QR_SCALE)
    return buffer.getvalue()


def due_for_citizen(code: str) -> dict | None:
    """Return what the citizen who looked the dossier up owes, with its QR image, while due.

    Call it only once the citizen's code and PIN were checked.
    """
    payment = find_payment_by_code(db.session, code)
    if payment is None or payment.state != PaymentState.DUE:
        return None
    text = qr_payload(payment)
    return {"amount_vnd": payment.amount_vnd, "reference": payment.reference,
            "qr_image": None if text is None else
            segno.make(text, error="m").png_data_uri(scale=QR_SCALE)}


@blp.route("/dossiers/<string:code>/payment")
class DossierPayment(MethodView):
    """The dossier's fee."""

    @blp.response(200, PaymentSchema)
    @refusals(blp, 404)
    def get(self, code):
        """Show what the dossier owes and how it stands, with the VietQR payload while due.

        404 when no payment was opened: the procedure collects later and has not asked yet,
        the dossier was received before payments existed, or you may not see the dossier.
        """
        dossier, payment = get_payment_or_raise(db.session, code, user=current_user())
        return payment_view(dossier.code, payment)


@blp.route("/dossiers/<string:code>/payment/qr.png")
class DossierPaymentQr(MethodView):
    """The VietQR code to scan with a banking app."""

    @blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png")
    @refusals(blp, 404)
    def get(self, code):
        """Draw the VietQR code of the amount due (404 when nothing is due or no account is set)."""
        dossier, payment = get_payment_or_raise(db.session, code, user=current_user())
        text = qr_payload(payment)
        if text is None:
            raise NotFound(f"dossier {code} has no QR code now", code=dossier.code,
                           reason="no_qr")
        return Response(qr_png(text), content_type="image/png")


@blp.route("/dossiers/<string:code>/payment/request")
class DossierPaymentRequest(MethodView):
    """Asking the citizen for the fee."""

    @blp.response(201, PaymentSchema)
    @refusals(blp, 403, 404, 409)
    def post(self, code):
        """Ask for the fee of a procedure collecting at supplement or at return (reception).

        The dossier's status becomes 6 and its statutory clock pauses; once paid it takes
        the status its workflow gives again and the clock resumes where it stopped. While
        in status 6 its steps cannot be completed (409 dossier_not_running). 409
        payment_conflict when the procedure collects at receipt, the fee was already asked
        for, or the dossier is not at that point (being processed for `supplement`,
        processed for `return`).
        """
        payment = request_payment(db.session, current_app.extensions["motcua"], code=code,
                                  user=current_user(), now=now())
        return payment_view(code, payment)


@blp.route("/dossiers/<string:code>/payment/cash")
class DossierPaymentCash(MethodView):
    """Cash at the counter."""

    @blp.response(200, PaymentSchema)
    @refusals(blp, 403, 404, 409)
    def post(self, code):
        """Record that the citizen paid the amount due in cash at the counter (reception).

        409 payment_conflict when nothing is due (already paid, refunded or waived). The
        answer's `fee_receipt_url` prints the electronic receipt (biên lai) as a PDF.
        """
        payment = record_cash(db.session, current_app.extensions["motcua"], code=code,
                              user=current_user(), now=now())
        return payment_view(code, payment)


@blp.route("/dossiers/<string:code>/payment/refund")
class DossierPaymentRefund(MethodView):
    """Refunding a paid fee."""

    @blp.arguments(ReasonSchema)
    @blp.response(200, PaymentSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, code):
        """Refund a paid fee with the reason (reception); 409 unless the fee is paid."""
        payment = refund(db.session, current_app.extensions["motcua"], code=code,
                         reason=body["reason"], user=current_user(), now=now())
        return payment_view(code, payment)


@blp.before_request
def _check_bank_signature():
    """Refuse a payment notification whose body is not signed with the shared secret."""
    if request.endpoint != "payments.PaymentNotifications" or request.method != "POST":
        return None
    if not signed_by_bank(request.get_data(cache=True), request.headers.get(SIGNATURE_HEADER)):
        response, status = error_response(401, "unauthenticated",
                                          say("unauthenticated", "bad_signature"))
        return response, status
    return None


def signed_by_bank(body: bytes, header: str | None) -> bool:
    """Tell whether `header` is `sha256=<hex>` of the HMAC-SHA256 of `body` under the secret."""
    secret = current_app.config["MOTCUA_PAYMENT_WEBHOOK_SECRET"]
    if not secret or not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len(SIGNATURE_PREFIX):].strip().lower())


@blp.route("/payments/notifications")
class PaymentNotifications(MethodView):
    """The bank's or payment gateway's confirmations of transfers."""

    @public
    @blp.arguments(TransferNotificationSchema)
    @blp.response(200, TransferOutcomeSchema)
    @blp.doc(security=[], responses={"401": "UNAUTHORIZED"})
    def post(self, body):
        """Apply a confirmed transfer to the dossier whose reference its description carries.

        No token: the raw body is signed with HMAC-SHA256 under the shared secret, sent as
        `X-Motcua-Signature: sha256=<hex>` (401 when missing or wrong). The reference is
        found in `description` whatever dots, dashes, spaces and case the bank changed. The
        same `transaction_id` sent again changes nothing (`duplicate`). A transfer whose
        reference matches no dossier, whose amount is not the amount due, or for a fee not
        due is held for reconciliation (`held`), not applied.
        """
        outcome = receive_transfer(db.session, current_app.extensions["motcua"],
                                   transfer=Transfer(**body), now=now())
        return {"outcome": outcome}


@blp.route("/payments/held")
class HeldTransfers(MethodView):
    """Transfers the bank confirmed that could not be applied."""

    @blp.response(200, HeldTransferRowSchema(many=True))
    @refusals(blp, 403)
    def get(self):
        """List the transfers still held for reconciliation, oldest first (reception, admin).

        `reason` says why each was held: unknown_reference (no dossier has the reference its
        description carries), amount_mismatch, or not_due (the fee was not due then).
        """
        return held_transfers(db.session, user=current_user())


@blp.route("/payments/held/<int:held_id>/apply")
class ApplyHeldTransfer(MethodView):
    """Applying a held transfer to the dossier it was meant for."""

    @blp.arguments(ApplyHeldSchema)
    @blp.response(200, HeldTransferResolvedSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, held_id):
        """Pay the fee due on a dossier with a held transfer (reception, admin).

        Only when the dossier's fee is due and the transfer's amount is the amount due; else
        409 payment_conflict, reason not_due or amount_mismatch (already_resolved when the
        transfer was applied or dismissed before), and nothing changes. The payment is then
        paid by QR transfer with the held transaction's id and time, as if the bank's
        notification had named the dossier; audited `payment.transfer_applied`.
        """
        return apply_held(db.session, current_app.extensions["motcua"], held_id=held_id,
                          code=body["dossier_code"], user=current_user(), now=now())


@blp.route("/payments/held/<int:held_id>/dismiss")
class DismissHeldTransfer(MethodView):
    """Dismissing a held transfer."""

    @blp.arguments(ReasonSchema)
    @blp.response(200, HeldTransferResolvedSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, held_id):
        """Take a held transfer off the list with the reason it is not applied (reception, admin).

        The transfer stays recorded: the bank sending it again still changes nothing. 409
        payment_conflict (already_resolved) when it was applied or dismissed before.
        """
        return dismiss_held(db.session, held_id=held_id, reason=body["reason"],
                            user=current_user(), now=now())
