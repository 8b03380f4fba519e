"""The citizen's pages, no sign-in: look a dossier up, read the catalogue, submit online.

With the code and PIN the citizen also withdraws the dossier or completes an online submission
reception asked to complete. Phone-first, Vietnamese by default. The pages use the same use
cases as the public API (api.public.citizen_dossier, engine.online, engine.stops, with
api.lookup_limits), so their rate limits and their answers apply unchanged; the PIN travels
only in POST bodies.
"""

import hmac
import re
import secrets
from dataclasses import replace
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    send_file,
    send_from_directory,
)
from flask_babel import get_locale, gettext

from api.auth import public
from api.clock import now
from api.document_uploads import document_store
from api.error_messages import message_of
from api.extensions import db
from api.lookup_limits import count_lookup, count_submission
from api.paging import page_of
from api.payments import due_for_citizen
from api.public import citizen_dossier, citizen_view
from api.results import citizen_result
from api.web.applicant_form import APPLICANT_FIELDS, APPLICANT_PREFIX, posted_applicant
from api.web.schema_form import coerce, field_messages, form_fields, posted_values
from engine.catalogue import catalogue_fields, narrowed, posted_entries
from engine.errors import (
    DossierDecided,
    DossierNotFound,
    InvalidFormData,
    InvalidInput,
    ProcedureNotFound,
    SubmissionNotWaiting,
)
from engine.models import Dossier, ProcedureVersion
from engine.online import (
    accepts_online,
    awaits_completion,
    resubmit_online,
    submit_online,
    verification_due,
)
from engine.procedures import get_procedure_or_raise
from engine.rate_limits import RateLimited
from engine.stops import is_decided, withdraw_by_citizen

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Anonymous form, no session to tie a token to: double-submit. The GET puts a random token
# in a cookie and in the form; a POST must carry both, equal. Another site can neither read
# the cookie to copy it into a forged form nor, with SameSite=Strict, make the browser send
# it with a cross-site POST. It needs no server state and nothing from the staff sessions.
CSRF_COOKIE = "tra_cuu_csrf"
CSRF_FIELD = "csrf_token"
CODE_PATTERN = re.compile(r"^[!-~]{1,64}$")  # printable ASCII, no spaces: what codes are made of
PIN_PATTERN = re.compile(r"^\d{6}$")
REASON_MAX = 2000  # as the withdrawal API takes it
# The pages run no script and load nothing from elsewhere.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self' data:; "
                           "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

blp = Blueprint("citizen", __name__, template_folder="templates")


@blp.get("/tra-cuu")
@public
def lookup_form():
    """Show the lookup form; `?ma=<code>` (the link on the slip's QR code) fills in the code."""
    return _page(code=request.args.get("ma", "").strip()[:64])


@blp.post("/tra-cuu")
@public
def lookup():
    """Look the dossier up with the code and PIN posted in the form's body."""
    code, pin = _posted_code_and_pin()
    return _with_pin(code, pin, lambda: _dossier_page(citizen_dossier(code, pin), pin=pin))


@blp.post("/tra-cuu/rut-ho-so")
@public
def withdrawal_confirmation():
    """Say what withdrawing means and ask for a reason before the citizen confirms."""
    code, pin = _posted_code_and_pin()

    def confirm():
        dossier = citizen_dossier(code, pin)
        if is_decided(db.session, dossier):
            return _dossier_page(dossier, pin=pin, status=409, error=gettext(
                "Hồ sơ đã có kết quả giải quyết hoặc đã kết thúc nên không thể rút."))
        return _with_form_token("citizen/withdraw.html", 200, path="/tra-cuu", code=code,
                                pin=pin, dossier=citizen_view(dossier))

    return _with_pin(code, pin, confirm)


@blp.post("/tra-cuu/rut-ho-so/xac-nhan")
@public
def withdraw():
    """Withdraw the dossier (status 7) with the reason given, and show it withdrawn."""
    code, pin = _posted_code_and_pin()
    reason = request.form.get("ly_do", "").strip()[:REASON_MAX]

    def withdrawn():
        count_lookup(code)
        dossier = withdraw_by_citizen(db.session, current_app.extensions["motcua"], code=code,
                                      pin=pin, reason=reason, now=now())
        return _dossier_page(dossier, pin=pin, notice=gettext("Hồ sơ đã được rút."))

    return _with_pin(code, pin, withdrawn)


@blp.post("/tra-cuu/bo-sung")
@public
def complete():
    """Send the completed intake form of an online submission reception asked to complete."""
    code, pin = _posted_code_and_pin()

    def completed():
        dossier = citizen_dossier(code, pin)
        schema = _intake_schema(dossier)
        data = coerce(schema, request.form)
        try:
            dossier = resubmit_online(db.session, current_app.extensions["motcua"], code=code,
                                      pin=pin, intake=data, now=now())
        except InvalidFormData:
            db.session.rollback()
            errors = field_messages(current_app.extensions["motcua"].forms.field_problems(
                _intake_form(dossier), data))
            return _dossier_page(dossier, pin=pin, status=422, values=posted_values(schema, data),
                                 errors=errors, error=gettext(
                                     "Biểu mẫu còn lỗi: hãy sửa các trường được đánh dấu."))
        response = make_response(render_template(
            "citizen/completed.html", dossier=citizen_view(dossier),
            verify_by=verification_due(db.session, dossier), lang=str(get_locale())))
        response.headers["Cache-Control"] = "no-store"
        return _secured(response)

    return _with_pin(code, pin, completed)


@blp.post("/tra-cuu/ket-qua")
@public
def result_download():
    """Download the dossier's signed result: code and PIN in the body, counted as a lookup."""
    code, pin = _posted_code_and_pin()

    def download():
        dossier = citizen_dossier(code, pin)
        result = citizen_result(dossier.code)
        if result is None:
            return _dossier_page(dossier, pin=pin, status=404,
                                 error=gettext("Hồ sơ chưa có kết quả giải quyết."))
        document, _report = result
        response = send_file(document_store().open(document.sha256),
                             mimetype=document.media_type, as_attachment=True,
                             download_name=f"ket-qua-{dossier.code}.pdf")
        response.headers["Cache-Control"] = "no-store"
        return _secured(response)

    return _with_pin(code, pin, download)


@blp.get("/thu-tuc")
@public
def catalogue():
    """Show the procedures a page at a time, narrowed by `?q=` and `?field=` (accents ignored)."""
    query = request.args.get("q", "").strip()[:200]
    field = request.args.get("field", "").strip()[:200]
    everything = posted_entries(db.session)
    found = narrowed(everything, query, field=field)
    response = make_response(render_template(
        "citizen/catalogue.html", query=query, field=field, entries=found,
        page=page_of(found, request.args.get("page")), fields=catalogue_fields(everything),
        lang=str(get_locale())))
    return _secured(response)


@blp.get("/nop-ho-so/<string:procedure_code>")
@public
def submission_form(procedure_code: str):
    """Show the online submission form of a procedure accepted online."""
    return _submission_page(_online_procedure(procedure_code), values={}, errors={})


@blp.post("/nop-ho-so/<string:procedure_code>")
@public
def submit(procedure_code: str):
    """Submit the dossier and show its code and PIN, or the form again with what to fix.

    The answer is this response itself, not a redirect: the PIN exists only here.
    """
    procedure = _online_procedure(procedure_code)
    schema = current_app.extensions["motcua"].forms.schema(procedure.meta["intake_form"])
    data = coerce(schema, request.form)
    values = posted_values(schema, data) | {
        APPLICANT_PREFIX + f.name: request.form.get(APPLICANT_PREFIX + f.name, "").strip()
        for f, _message in APPLICANT_FIELDS}
    if not _csrf_token_matches():
        return _submission_page(procedure, values=values, errors={}, status=400, error=gettext(
            "Trang đã hết hạn. Vui lòng bấm Nộp hồ sơ một lần nữa."))
    try:
        count_submission()
    except RateLimited as err:
        seconds = err.details["retry_after_seconds"]
        response = _submission_page(procedure, values=values, errors={}, status=429,
                                    error=gettext("Bạn đã nộp quá nhiều hồ sơ. Vui lòng thử "
                                                  "lại sau %(seconds)s giây.", seconds=seconds))
        response.headers["Retry-After"] = str(seconds)
        return response
    applicant, errors = posted_applicant(request.form)
    if not errors:
        try:
            submitted = submit_online(db.session, current_app.extensions["motcua"],
                                      procedure_code=procedure.code, applicant=applicant,
                                      intake=data, now=now())
        except InvalidFormData:
            pass  # said field by field below
        except InvalidInput as err:  # no way to reach the applicant
            errors = {APPLICANT_PREFIX + "phone": [message_of(err)]}
        else:
            response = make_response(render_template(
                "citizen/submitted.html", procedure=procedure, submitted=submitted,
                lang=str(get_locale())), 201)
            response.headers["Cache-Control"] = "no-store"
            return _secured(response)
    errors |= field_messages(current_app.extensions["motcua"].forms.field_problems(
        procedure.meta["intake_form"], data))
    return _submission_page(procedure, values=values, errors=errors, status=422,
                            error=gettext("Biểu mẫu còn lỗi: hãy sửa các trường được đánh dấu."))


@blp.get("/cong-dan/static/<path:filename>")
@public
def static_file(filename: str):
    """Serve the pages' style sheet."""
    return send_from_directory(STATIC_DIR, filename)


def _csrf_token_matches() -> bool:
    cookie, field = request.cookies.get(CSRF_COOKIE, ""), request.form.get(CSRF_FIELD, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), field.encode())


def _posted_code_and_pin() -> tuple[str, str]:
    return request.form.get("ma", "").strip(), request.form.get("pin", "").strip()


def _with_pin(code: str, pin: str, act):
    """Run `act` for a well-formed code and PIN posted with the form's token; else say why not.

    `act` counts its use of the PIN against the lookup's limits, as the JSON API does.
    """
    if not _csrf_token_matches():
        return _page(code=code, status=400, error=gettext(
            "Trang tra cứu đã hết hạn. Vui lòng nhập lại mã PIN và bấm Tra cứu."))
    if not CODE_PATTERN.match(code) or not PIN_PATTERN.match(pin):
        return _page(code=code if CODE_PATTERN.match(code) else "", status=422, error=gettext(
            "Nhập mã hồ sơ và mã PIN gồm 6 chữ số in trên Giấy tiếp nhận và hẹn trả kết quả."))
    try:
        return act()
    except RateLimited as err:
        seconds = err.details["retry_after_seconds"]
        response = _page(code=code, status=429, error=gettext(
            "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau %(seconds)s giây.",
            seconds=seconds))
        response.headers["Retry-After"] = str(seconds)
        return response
    except DossierNotFound:
        db.session.rollback()
        return _page(code=code, status=404, error=gettext(
            "Không tìm thấy hồ sơ với mã hồ sơ và mã PIN này. Vui lòng kiểm tra lại cả hai "
            "trên Giấy tiếp nhận và hẹn trả kết quả."))
    except (DossierDecided, SubmissionNotWaiting) as err:
        db.session.rollback()
        return _dossier_page(citizen_dossier(code, pin, counted=True), pin=pin, status=409,
                             error=message_of(err))


def _dossier_page(dossier: Dossier, *, pin: str, status: int = 200, error: str | None = None,
                  notice: str | None = None, values: dict | None = None,
                  errors: dict | None = None):
    """Render the lookup page showing the dossier and what its citizen may do with it now."""
    completion = None
    if awaits_completion(db.session, dossier):
        schema = _intake_schema(dossier)
        completion = {"fields": form_fields(schema),
                      "filled": posted_values(schema, dossier.intake) if values is None
                      else values,
                      "problems": errors or {}}
    return _page(code=dossier.code, status=status, error=error, notice=notice, pin=pin,
                 dossier=citizen_view(dossier), payment=due_for_citizen(dossier.code),
                 may_withdraw=not is_decided(db.session, dossier), completion=completion,
                 result=citizen_result(dossier.code))


def _intake_form(dossier: Dossier) -> str:
    """Return the name of the intake form of the version the dossier is pinned to."""
    return db.session.get(ProcedureVersion, dossier.procedure_version_id).meta["intake_form"]


def _intake_schema(dossier: Dossier) -> dict:
    return current_app.extensions["motcua"].forms.schema(_intake_form(dossier))


def _page(*, code: str, status: int = 200, error: str | None = None, **shown):
    """Render the lookup page with a fresh form token, never cached: it may show a status."""
    return _with_form_token("citizen/lookup.html", status, path="/tra-cuu", code=code,
                            error=error, **shown)


def _online_procedure(code: str):
    """Return a procedure accepted online; 404 for any other."""
    try:
        procedure = get_procedure_or_raise(db.session, code)
    except ProcedureNotFound:
        abort(404)
    if not accepts_online(procedure.meta):
        abort(404)
    return procedure


def _submission_page(procedure, *, values: dict, errors: dict, status: int = 200,
                     error: str | None = None):
    """Render the submission form: the applicant, then the procedure's intake form."""
    schema = current_app.extensions["motcua"].forms.schema(procedure.meta["intake_form"])
    applicant_fields = [replace(f, name=APPLICANT_PREFIX + f.name)
                        for f, _message in APPLICANT_FIELDS]
    return _with_form_token("citizen/submit.html", status, path="/nop-ho-so",
                            procedure=procedure, applicant_fields=applicant_fields,
                            fields=form_fields(schema),
                            form_title=schema.get("title", procedure.name_vi), values=values,
                            errors=errors, error=error)


def _with_form_token(template: str, status: int, *, path: str, **context):
    """Render a page with a form, a fresh double-submit token in it and in a cookie for `path`."""
    token = secrets.token_urlsafe(32)
    response = make_response(render_template(
        template, csrf_token=token, csrf_field=CSRF_FIELD, lang=str(get_locale()), **context),
        status)
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="Strict",
                        secure=request.is_secure, path=path)
    response.headers["Cache-Control"] = "no-store"
    return _secured(response)


def _secured(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response
