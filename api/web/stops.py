"""The dossier page's end actions: withdrawal (status 7) and stop (status 8).

Reception withdraws a dossier at the citizen's request; a head or leader stops processing it
with a reason. The rules are the engine's (engine.stops, engine.access) as in the JSON API;
a refusal is said on the dossier page in the reader's language.
"""

from flask import current_app, redirect, request, url_for
from flask_babel import gettext as _

from api.clock import now
from api.error_messages import message_of
from api.extensions import db
from api.web import blp, sessions
from api.web.dossiers import MAX_REASON, sheet_page
from engine.errors import DossierDecided, InvalidInput
from engine.stops import stop_dossier, withdraw_dossier


@blp.post("/ho-so/<string:code>/rut-ho-so")
def withdraw(code: str):
    """Withdraw the dossier at the citizen's request (reception)."""
    return _end(code, withdraw_dossier)


@blp.post("/ho-so/<string:code>/dung-xu-ly")
def stop(code: str):
    """Stop processing the dossier, for the reason written in the form (a head or leader)."""
    return _end(code, stop_dossier)


def _end(code: str, use_case):
    reason = request.form.get("reason", "").strip()
    if len(reason) > MAX_REASON:
        return sheet_page(code, end_error=_("Lý do không quá %(count)d ký tự.",
                                            count=MAX_REASON), status=422)
    try:
        use_case(db.session, current_app.extensions["motcua"], code=code,
                 user=sessions.signed_in_user(), reason=reason, now=now())
    except (InvalidInput, DossierDecided) as err:
        db.session.rollback()
        return sheet_page(code, end_error=message_of(err),
                          status=422 if isinstance(err, InvalidInput) else 409)
    return redirect(url_for("web.control_sheet_page", code=code))
