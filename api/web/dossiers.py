"""Find a dossier when the citizen lost the slip, and read its page: control sheet (Form 06)."""

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l

from api.clock import now
from api.control_sheets import csv_response
from api.extensions import db
from api.schemas import StopSchema
from api.web import blp, sessions
from api.web.apologies import offers_apology
from api.web.slips import slips_of
from engine.control_sheet import CANCELLED, IN_PROGRESS, OVERDUE, control_sheet
from engine.deadlines import Verdict
from engine.dossiers import DossierFilter, get_all_dossiers, get_dossier_or_raise
from engine.errors import DossierNotFound
from engine.personal_data import View, record_reads
from engine.procedures import get_procedure_or_raise
from engine.stops import end_actions, end_reason

MATCHES_SHOWN = 50
# The longest reason of a withdrawal or stop, as the JSON API accepts it.
MAX_REASON = StopSchema().fields["reason"].validators[0].max
# A step's verdict on the control sheet, as the page says it.
VERDICTS = {Verdict.EARLY: _l("Trước hạn"), Verdict.ON_TIME: _l("Đúng hạn"),
            Verdict.LATE: _l("Quá hạn"), OVERDUE: _l("Đang quá hạn"),
            IN_PROGRESS: _l("Đang xử lý"), CANCELLED: _l("Đã hủy")}


@blp.get("/ho-so")
def find_dossier():
    """Find dossiers by code, applicant's ID number or the start of the applicant's name."""
    user = sessions.signed_in_user()
    query = request.args.get("q", "").strip()[:200]
    if not query:
        return render_template("web/dossier_search.html", query="", dossiers=None)
    dossiers, total = get_all_dossiers(db.session, user=user, where=DossierFilter(query=query),
                                       page=1, page_size=MATCHES_SHOWN)
    record_reads(db.session, user=user, dossier_codes=[d.code for d in dossiers],
                 view=View.LIST, now=now())
    procedures = {code: get_procedure_or_raise(db.session, code)
                  for code in {dossier.procedure_code for dossier in dossiers}}
    return render_template("web/dossier_search.html", query=query, dossiers=dossiers,
                           total=total, procedures=procedures)


def _sheet(code: str):
    calendar = current_app.extensions["motcua"].calendar(db.session)
    return control_sheet(db.session, code=code, user=sessions.signed_in_user(),
                         calendar=calendar, now=now())


@blp.get("/ho-so/<string:code>")
def control_sheet_page(code: str):
    """Show a dossier's processing-control sheet (Form 06): each step, who, when, verdict."""
    return sheet_page(code)


def sheet_page(code: str, *, end_error: str | None = None, status: int = 200):
    """Render the dossier's page: its control sheet, its letters, and the actions that end it.

    `end_error` says why a withdrawal or stop was refused, answered with `status`.
    """
    try:
        sheet = _sheet(code)
    except DossierNotFound:
        return render_template("web/control_sheet.html", sheet=None, code=code), 404
    user = sessions.signed_in_user()
    dossier = get_dossier_or_raise(db.session, code, user=user)
    return render_template("web/control_sheet.html", sheet=sheet, code=code, verdicts=VERDICTS,
                           dossier=dossier, apology=offers_apology(user, dossier),
                           slips=slips_of(code), ends=end_actions(db.session, user, dossier),
                           end_reason=end_reason(db.session, dossier), end_error=end_error,
                           max_reason=MAX_REASON), status


@blp.get("/ho-so/<string:code>/phieu-kiem-soat.csv")
def control_sheet_csv(code: str):
    """Download a dossier's control sheet as CSV, as the API's `format=csv` gives it."""
    try:
        sheet = _sheet(code)
    except DossierNotFound:
        return render_template("web/control_sheet.html", sheet=None, code=code), 404
    return csv_response(sheet)
