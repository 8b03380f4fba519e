"""The staff app: server-rendered pages at `/`, signed in with a session cookie.

Signed out, every page but the sign-in page sends the browser to `/dang-nhap`.
"""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from api.clock import now
from api.extensions import db
from api.formatting import local_moment, role_name
from api.web import sessions
from engine.access import (
    ROLES_DESIGNING,
    ROLES_READING_DOSSIERS,
    ROLES_READING_REPORTS,
    ROLES_RECEIVING,
)
from engine.errors import (
    AccountLocked,
    NotFound,
    NotPermitted,
    PasswordTooShort,
    ProcedureNotFound,
    SignInRefused,
)
from engine.models import Department, User
from engine.passwords import MIN_LENGTH, change_own_password, sign_in
from engine.statuses import Role
from engine.web_sessions import close_session, open_session

blp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/web-static")
sessions.init_blueprint(blp)


@blp.context_processor
def _layout():
    return {"role_name": role_name, "department_name": _department_name,
            "department_label": department_label,
            "locale": str(get_locale())}


def _department_name(user: User) -> str | None:
    return None if user.department_code is None else department_label(user.department_code)


def department_label(code: str) -> str:
    """Return a department's name in the page's language; its code if it has gone."""
    department = db.session.get(Department, code)
    if department is None:
        return code
    return department.name_en if str(get_locale()) == "en" else department.name_vi


@blp.get("/")
def home():
    """Show the signed-in person's home page: what they can open today."""
    user = sessions.signed_in_user()
    return render_template("web/home.html", designs=Role(user.role) in ROLES_DESIGNING,
                           receives=Role(user.role) in ROLES_RECEIVING,
                           works_on_steps=Role(user.role) in inbox.ROLES_WITH_INBOX,
                           reads_dossiers=Role(user.role) in ROLES_READING_DOSSIERS,
                           reads_reports=Role(user.role) in ROLES_READING_REPORTS)


@blp.route("/dang-nhap", methods=["GET", "POST"])
def sign_in_page():
    """Show the sign-in form, or sign in: a session cookie, then the page asked for (`next`).

    `next` is a path on this site (the designer sends people here with it); anything else,
    or nothing, leads to the home page.
    """
    next_path = request.values.get("next", "")
    next_path = next_path if sessions.is_local_path(next_path) else url_for("web.home")
    if sessions.signed_in_user() is not None:
        return redirect(next_path)
    if request.method == "GET":
        return render_template("web/sign_in.html", next_path=next_path)
    username = request.form.get("username", "").strip()
    try:
        if "\x00" in username:
            # No username holds NUL, and PostgreSQL refuses it even in a query.
            raise SignInRefused("no user has this name")
        user = sign_in(db.session, username, request.form.get("password", ""), now=now(),
                       lockout=sessions.lockout())
    except AccountLocked as err:
        error = _("Tài khoản tạm khóa vì nhập sai mật khẩu nhiều lần. "
                  "Hãy thử lại sau %(time)s.", time=local_moment(err.until))
        return render_template("web/sign_in.html", error=error, username=username,
                               next_path=next_path), 429
    except SignInRefused:
        error = _("Tên đăng nhập hoặc mật khẩu không đúng.")
        return render_template("web/sign_in.html", error=error, username=username,
                               next_path=next_path), 422
    session_id, _row = open_session(db.session, user, now=now(), lifetime=sessions.lifetime())
    response = redirect(next_path)
    sessions.set_cookie(response, sessions.SESSION_COOKIE, session_id)
    sessions.clear_cookie(response, sessions.SIGN_IN_CSRF_COOKIE)
    return response


@blp.post("/dang-xuat")
def sign_out():
    """End the session and go back to the sign-in page."""
    close_session(db.session, request.cookies[sessions.SESSION_COOKIE])
    response = redirect(url_for("web.sign_in_page"))
    sessions.clear_cookie(response, sessions.SESSION_COOKIE)
    return response


@blp.route("/doi-mat-khau", methods=["GET", "POST"])
def change_password():
    """Show the password form, or change the signed-in person's password."""
    if request.method == "GET":
        return render_template("web/password.html", min_length=MIN_LENGTH)
    form = request.form
    errors = {}
    if form.get("new_password", "") != form.get("new_password_again", ""):
        errors["new_password_again"] = _("Hai lần nhập mật khẩu mới không khớp nhau.")
    else:
        try:
            change_own_password(db.session, sessions.signed_in_user(),
                                current=form.get("current_password", ""),
                                new=form.get("new_password", ""), now=now(),
                                keep_session=sessions.current_web_session().id_hash)
        except SignInRefused:
            errors["current_password"] = _("Mật khẩu hiện tại không đúng.")
        except PasswordTooShort as err:
            errors["new_password"] = _("Mật khẩu mới phải có ít nhất %(count)d ký tự.",
                                       count=err.details["min_length"])
    if errors:
        return render_template("web/password.html", min_length=MIN_LENGTH,
                               errors=errors), 422
    return render_template("web/password.html", min_length=MIN_LENGTH, changed=True)


@blp.errorhandler(NotPermitted)
@blp.errorhandler(NotFound)
def _refused(err):
    """Say on a page, not in JSON, that a page is not the person's or what it shows is gone."""
    forbidden = isinstance(err, NotPermitted)
    if forbidden:
        message = _("Trang này thuộc phòng khác hoặc vai trò khác: bạn không xem hay làm được. "
                    "Hãy liên hệ người quản trị nếu bạn cần quyền.")
    elif isinstance(err, ProcedureNotFound):
        message = _("Không có thủ tục với mã này; hãy tìm thủ tục ở trang Tiếp nhận hồ sơ.")
    else:
        message = _("Không tìm thấy bước hoặc hồ sơ này; có thể nó đã được xử lý xong.")
    return render_template("web/page_refused.html", message=message), 403 if forbidden else 404


# The pages of each group of people, registered on this blueprint.
from api.web import (  # noqa: E402, F401
    apologies,
    bottlenecks,
    decisions,
    dossiers,
    inbox,
    online,
    reception,
    scans,
    signing,
    slips,
    stops,
    supervision,
)
