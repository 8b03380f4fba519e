"""Print a dossier's slips from the staff app: the API's PDFs, for the signed-in person.

The receipt is printed with its PIN only right after receipt, when the receipt page posts it
back (the PIN is stored hashed); printed later, the receipt says the PIN was given at receipt.
"""

from flask import current_app, render_template, request

from api.clock import now
from api.error_messages import message_of
from api.extensions import db
from api.slips import center, slip_response
from api.web import blp, sessions
from engine.errors import InvalidInput, SlipNotApplicable
from engine.slips import SlipForm, printable_forms


@blp.get("/ho-so/<string:code>/phieu/<string:form>")
def slip(code: str, form: str):
    """Show one slip of the dossier as a PDF the browser prints."""
    try:
        return slip_response(form, code, user=sessions.signed_in_user())
    except SlipNotApplicable as err:
        return _not_printable(err, 409)


@blp.post("/ho-so/<string:code>/phieu/receipt")
def receipt_with_pin(code: str):
    """Show the receipt slip with the PIN the receipt page holds, as a PDF."""
    try:
        return slip_response("receipt", code, user=sessions.signed_in_user(),
                             pin=request.form.get("pin", "").strip())
    except InvalidInput as err:
        return _not_printable(err, 422)


def _not_printable(err, status: int):
    """Say on a page why this slip cannot be printed for the dossier."""
    db.session.rollback()
    return render_template("web/page_refused.html", message=message_of(err)), status


def slips_of(code: str) -> dict[str, SlipForm]:
    """Return the slips the dossier page offers to print, by URL name."""
    return printable_forms(db.session, code=code, user=sessions.signed_in_user(),
                           center=center(),
                           calendar=current_app.extensions["motcua"].calendar(db.session),
                           now=now())
