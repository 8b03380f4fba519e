"""Form 04: a head or leader writes the apology and new appointment, then prints the letter.

The rules are the engine's (engine.apologies, engine.access.check_can_extend) as in the
JSON API; this page reads the new appointment as a local day and time, and says the
engine's refusals in the reader's language beside the field they concern.
"""

import re
from datetime import date, datetime, time

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import validate

from api.clock import now
from api.error_messages import message_of
from api.extensions import db
from api.schemas import ApologySchema
from api.views import apology_view, dossier_view
from api.web import blp, sessions
from engine.access import check_can_extend
from engine.apologies import Apology, find_apology, latest_new_appointment, record_apology
from engine.dossiers import get_dossier_or_raise
from engine.errors import DeadlineExtensionUsed, DossierNotRunning, InvalidInput, NotPermitted
from engine.models import Department, Dossier, Procedure
from engine.personal_data import View, record_reads

# The letter's texts and their longest length, as the JSON API accepts them.
TEXTS = ("reason", "apology", "signed_by")
MAX_LENGTH = {name: next(rule.max for rule in ApologySchema().fields[name].validators
                         if isinstance(rule, validate.Length)) for name in TEXTS}
# Typed as people here write them: a browser's date input would show the day in the order
# of the computer's locale (mm/dd/yyyy on an English system), not the page's.
DAY_FORMAT = "%d/%m/%Y"
CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
# Days the calendar can count: as the API's MOMENTS.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def _read_day(text: str) -> date | None:
    try:
        day = datetime.strptime(text, DAY_FORMAT).date()
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def _read_clock(text: str) -> time | None:
    found = CLOCK.fullmatch(text)
    return time(int(found.group(1)), int(found.group(2))) if found else None


def _read_letter(form) -> tuple[dict, dict[str, str], Apology | None]:
    """Return the posted values, the Vietnamese error of each wrong field, and the letter."""
    values = {name: form.get(name, "").strip() for name in TEXTS}
    values |= {"new_day": form.get("new_day", "").strip(),
               "new_time": form.get("new_time", "").strip()}
    errors = {}
    for name in TEXTS:
        if not values[name]:
            errors[name] = _("Trường này là bắt buộc.")
        elif len(values[name]) > MAX_LENGTH[name]:
            errors[name] = _("Không quá %(count)d ký tự.", count=MAX_LENGTH[name])
    day, clock = _read_day(values["new_day"]), _read_clock(values["new_time"])
    if day is None:
        errors["new_day"] = _("Hãy nhập ngày theo dạng dd/mm/yyyy, từ năm %(first)d đến "
                              "%(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
    if clock is None:
        errors["new_time"] = _("Hãy nhập giờ theo dạng HH:mm, ví dụ 16:30.")
    if errors:
        return values, errors, None
    zone = current_app.extensions["motcua"].calendar(db.session).zone
    return values, errors, Apology(
        reason=values["reason"], apology=values["apology"], signed_by=values["signed_by"],
        new_appointment_at=datetime.combine(day, clock, tzinfo=zone))


def _agency_name(procedure: Procedure) -> str:
    """Return the name of the department that handles the procedure: the agency that writes."""
    return db.session.get(Department, procedure.department_code).name_vi


def _letter_page(dossier: Dossier, extension, *, status: int = 200, already: bool = False):
    user = sessions.signed_in_user()
    record_reads(db.session, user=user, dossier_codes=[dossier.code], view=View.APOLOGY,
                 now=now())
    procedure = db.session.get(Procedure, dossier.procedure_code)
    return render_template("web/apology_letter.html", letter=apology_view(extension),
                           dossier=dossier, agency=_agency_name(procedure), already=already,
                           recorded=request.args.get("xong") is not None), status


def _form_page(dossier: Dossier, values: dict, errors: dict, *, error: str | None = None,
               status: int = 200):
    calendar = current_app.extensions["motcua"].calendar(db.session)
    procedure = db.session.get(Procedure, dossier.procedure_code)
    hours = ", ".join(f"{opens:%H:%M}–{closes:%H:%M}" for opens, closes in calendar.office_hours)
    running = dossier.processed_at is None and dossier.clock_paused_at is None
    return render_template(
        "web/apology.html", dossier=dossier, view=dossier_view(dossier, now()),
        procedure=procedure, values=values, errors=errors, error=error, office_hours=hours,
        latest=latest_new_appointment(db.session, calendar, dossier) if running else None,
        max_length=MAX_LENGTH), status


@blp.route("/ho-so/<string:code>/xin-loi", methods=["GET", "POST"])
def apology(code: str):
    """Show the dossier's Form 04, or the form to write it for whoever may give it."""
    user = sessions.signed_in_user()
    dossier = get_dossier_or_raise(db.session, code, user=user)
    extension = find_apology(db.session, dossier)
    if extension is not None:
        # One new appointment per dossier: a second letter is refused, the first one shown.
        posted = request.method == "POST"
        return _letter_page(dossier, extension, status=409 if posted else 200, already=posted)
    check_can_extend(db.session, user, dossier)
    if request.method == "GET":
        default_apology = _("Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Chúng tôi thành thật "
                            "xin lỗi Ông/Bà và hẹn trả kết quả vào ngày ghi dưới đây.")
        return _form_page(dossier, {"apology": default_apology,
                                    "signed_by": user.full_name or ""}, {})
    values, errors, letter = _read_letter(request.form)
    if letter is None:
        return _form_page(dossier, values, errors, status=422)
    try:
        record_apology(db.session, current_app.extensions["motcua"], code=code, letter=letter,
                       user=user, now=now())
    except InvalidInput as err:
        db.session.rollback()
        return _form_page(dossier, values, {"new_day": message_of(err)}, status=422)
    except DeadlineExtensionUsed:
        db.session.rollback()  # someone recorded it meanwhile: show theirs
        return _letter_page(dossier, find_apology(db.session, dossier), status=409,
                            already=True)
    except DossierNotRunning:
        db.session.rollback()
        return _form_page(dossier, values, {}, status=409, error=_(
            "Hồ sơ đã giải quyết xong hoặc đang tạm dừng chờ công dân: không hẹn lại được."))
    return redirect(url_for("web.apology", code=code, xong=1))


def offers_apology(user, dossier: Dossier) -> bool:
    """Tell whether pages about the dossier link to Form 04: a letter to read or to write."""
    if find_apology(db.session, dossier) is not None:
        return True
    try:
        check_can_extend(db.session, user, dossier)
    except NotPermitted:
        return False
    return True
