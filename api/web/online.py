"""Reception's queue of online submissions: oldest first, with the verification deadline.

Each is accepted, sent back to be completed, or refused, by engine.online as the API's
/api/v1/online-submissions does.
"""

from functools import partial

from flask import current_app, render_template, request
from flask_babel import gettext as _

from api.clock import now
from api.extensions import db
from api.web import blp, sessions
from api.web.schema_form import readable
from engine.errors import SubmissionNotWaiting
from engine.online import accept_online, ask_to_complete, refuse_online, waiting_submissions
from engine.personal_data import View, record_reads
from engine.procedures import get_procedure_or_raise

MAX_MISSING, MAX_LINE, MAX_REASON = 50, 500, 2000


@blp.get("/ho-so-truc-tuyen")
def online_submissions(notice: str | None = None, error: str | None = None,
                       status: int = 200):
    """List the online submissions waiting for verification, oldest first."""
    user = sessions.signed_in_user()
    moment = now()
    waiting = waiting_submissions(db.session, user=user)
    record_reads(db.session, user=user, dossier_codes=[w.dossier.code for w in waiting],
                 view=View.LIST, now=moment)
    forms = current_app.extensions["motcua"].forms
    rows = []
    for item in waiting:
        procedure = get_procedure_or_raise(db.session, item.dossier.procedure_code)
        schema = forms.schema(procedure.meta["intake_form"])
        rows.append({"item": item, "procedure": procedure, "overdue": item.verify_by < moment,
                     "intake": readable(schema, item.dossier.intake)})
    return render_template("web/online_submissions.html", rows=rows, notice=notice,
                           error=error), status


@blp.post("/ho-so-truc-tuyen/<string:code>/tiep-nhan")
def accept_submission(code: str):
    """Accept the submission: its procedure starts."""
    return _answer(accept_online, code,
                   _("Đã tiếp nhận hồ sơ %(code)s; công dân được thông báo.", code=code))


@blp.post("/ho-so-truc-tuyen/<string:code>/yeu-cau-bo-sung")
def ask_to_complete_submission(code: str):
    """Send the submission back with the list of what is missing, one per line."""
    missing = [line.strip() for line in request.form.get("missing", "").splitlines()
               if line.strip()]
    if not missing or len(missing) > MAX_MISSING or any(len(m) > MAX_LINE for m in missing):
        return online_submissions(error=_(
            "Ghi những gì cần bổ sung, mỗi dòng một mục (tối đa %(count)s mục, mỗi mục tối đa "
            "%(length)s ký tự).", count=MAX_MISSING, length=MAX_LINE), status=422)
    return _answer(partial(ask_to_complete, missing=missing), code,
                   _("Đã yêu cầu bổ sung hồ sơ %(code)s; công dân được thông báo.", code=code))


@blp.post("/ho-so-truc-tuyen/<string:code>/tu-choi")
def refuse_submission(code: str):
    """Refuse the submission with the reason the citizen will read."""
    reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > MAX_REASON:
        return online_submissions(error=_(
            "Ghi lý do từ chối (tối đa %(length)s ký tự).", length=MAX_REASON), status=422)
    return _answer(partial(refuse_online, reason=reason), code,
                   _("Đã từ chối hồ sơ %(code)s; công dân được thông báo lý do.", code=code))


def _answer(act, code: str, done: str):
    try:
        act(session=db.session, ctx=current_app.extensions["motcua"], code=code,
            user=sessions.signed_in_user(), now=now())
    except SubmissionNotWaiting:
        db.session.rollback()
        return online_submissions(error=_(
            "Hồ sơ %(code)s đã được trả lời trước đó.", code=code), status=409)
    return online_submissions(notice=done)
