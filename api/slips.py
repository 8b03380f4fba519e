"""Printable slips (PDF) of a dossier: Forms 01 to 06 and the fee receipt (engine.slips)."""

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_user
from api.clock import now
from api.extensions import db
from api.refusals import refusals
from api.schemas import PublicLookupBody
from engine.models import User
from engine.personal_data import View, record_reads
from engine.slips import slip
from engine.slips.layout import Center

PDF = "application/pdf"
PDF_RESPONSE = {"type": "string", "format": "binary"}

blp = Blueprint("slips", __name__, url_prefix="/api/v1/dossiers",
                description="Printable slips (PDF): receipt (Form 01), supplement (02), refusal "
                            "(03), apology (04), stop (05), control-sheet (06), fee-receipt "
                            "(biên lai thu phí, lệ phí)")


def center() -> Center:
    """Return the issuing center as the settings name it, in the working calendar's zone."""
    config = current_app.config
    return Center(name=config["MOTCUA_CENTER_NAME"], place=config["MOTCUA_CENTER_PLACE"],
                  public_base_url=config["MOTCUA_PUBLIC_BASE_URL"],
                  zone=current_app.extensions["motcua"].calendar(db.session).zone)


def slip_response(form: str, code: str, *, user: User, pin: str | None = None) -> Response:
    """Return one slip of a dossier the user may see, shown inline as a PDF."""
    moment = now()
    ctx = current_app.extensions["motcua"]
    printed = slip(db.session, form=form, code=code, user=user, center=center(),
                   calendar=ctx.calendar(db.session), now=moment, pin=pin,
                   secret_key=ctx.secret_key)
    record_reads(db.session, user=user, dossier_codes=[code], view=View.SLIP, now=moment)
    return Response(printed.content, mimetype=PDF, headers={
        "Content-Disposition": f'inline; filename="{printed.filename}"'})


@blp.route("/<string:code>/slips/<string:form>")
class DossierSlip(MethodView):
    """One printable slip of a dossier."""

    @blp.response(200, PDF_RESPONSE, content_type=PDF)
    @refusals(blp, 403, 409)
    def get(self, code, form):
        """Print a slip of the dossier as a PDF.

        `form` is one of receipt, supplement, refusal, apology, stop, control-sheet,
        fee-receipt. A form the dossier's state does not call for is refused with 409
        (slip_not_applicable: the refusal slip of an accepted dossier, the supplement request
        of a dossier with no request, the apology of a dossier with none, the fee receipt of
        a fee not paid, reason not_paid); an unknown form with 404, which lists
        the forms. PINs are stored hashed, so the receipt printed here says the PIN was
        given at receipt: POST the PIN to print it on the receipt.
        """
        return slip_response(form, code, user=current_user())


@blp.route("/<string:code>/slips/receipt")
class DossierReceiptWithPin(MethodView):
    """The receipt slip printed with the PIN given at receipt."""

    @blp.arguments(PublicLookupBody)
    @blp.response(200, PDF_RESPONSE, content_type=PDF)
    @refusals(blp, 403, 422)
    def post(self, body, code):
        """Print the receipt slip (Form 01) with the PIN the receipt's answer gave.

        Send `{"pin": "123456"}`; a PIN that is not the dossier's is refused with 422
        (invalid_input, reason pin_mismatch). The PIN is printed on the slip, never put in
        its QR code, and never read from the URL.
        """
        return slip_response("receipt", code, user=current_user(), pin=body["pin"])

