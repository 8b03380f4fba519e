"""The department inbox of the staff app: open steps, claim and give back, the step page.

Every rule is the engine's (engine.tasks, engine.access) as in the JSON API; these views
only turn forms into calls and the engine's refusals into Vietnamese sentences.
"""

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

from api.clock import now
from api.error_messages import message_of
from api.extensions import db
from api.results import result_issuing
from api.views import task_view
from api.web import blp, sessions
from api.web.apologies import offers_apology
from api.web.schema_form import coerce, field_messages, form_fields, posted_values, readable
from engine.accounts import get_department_members
from engine.control_sheet import control_sheet
from engine.dossier_versions import intake_form_key
from engine.dossiers import get_dossier_or_raise
from engine.errors import (
    ConcurrentUpdate,
    InvalidFormData,
    SigningCredentialMissing,
    TaskAlreadyClaimed,
    TaskNotClaimedByCaller,
    TaskNotOpen,
)
from engine.models import Dossier, Procedure
from engine.statuses import Role, TaskState
from engine.tasks import (
    TaskFilter,
    assign_task,
    claim_task,
    complete_task,
    count_open_tasks_by_holder,
    get_all_tasks,
    get_task_or_raise,
    unclaim_task,
)

# An inbox page holds this many steps: a department's open work on one screen.
INBOX_SIZE = 200
# The roles whose home page links to the inbox: those who work on steps.
ROLES_WITH_INBOX = {Role.OFFICER, Role.HEAD, Role.LEADER}
# The head's filter value for the steps nobody has taken yet.
UNCLAIMED = "chua-nhan"
# A head is offered Form 04 on a step this close to its due time: the law wants the letter
# at least one working day (8 working hours) before the deadline.
APOLOGY_WITHIN_HOURS = 8
# Refusals a person can fix by reloading: someone else acted first.
RACES = (TaskAlreadyClaimed, TaskNotClaimedByCaller, TaskNotOpen, ConcurrentUpdate)


def _ctx():
    return current_app.extensions["motcua"]


def _race_message(err: Exception) -> str:
    if isinstance(err, TaskAlreadyClaimed):
        return _("Bước này đang do %(name)s xử lý: người khác đã nhận trước bạn.",
                 name=err.details.get("assignee") or "—")
    if isinstance(err, TaskNotClaimedByCaller):
        return _("Bạn chưa nhận bước này, hoặc bước đã được giao cho người khác.")
    if isinstance(err, TaskNotOpen):
        return _("Bước này đã được xử lý xong hoặc đã hủy.")
    return _("Hồ sơ vừa được người khác cập nhật; hãy tải lại trang và thử lại.")


def procedure_names(dossier_ids: set[int]) -> dict[int, str]:
    """Return the procedure name of each dossier, in the page's language."""
    english = str(get_locale()) == "en"
    rows = db.session.execute(
        select(Dossier.id, Procedure.name_vi, Procedure.name_en)
        .join(Procedure, Procedure.code == Dossier.procedure_code)
        .where(Dossier.id.in_(dossier_ids)))
    return {dossier_id: name_en if english else name_vi
            for dossier_id, name_vi, name_en in rows}


@blp.get("/hop-viec")
def inbox(error: str | None = None, status: int = 200):
    """Show the department's open steps, most urgent first; a head may pick one officer's.

    A head's filter names each member with the number of open steps they hold, and the
    steps nobody has taken yet.
    """
    user = sessions.signed_in_user()
    unclaimed = request.args.get("nguoi") == UNCLAIMED
    holder = None if unclaimed else request.args.get("nguoi", type=int)
    where = TaskFilter(state=TaskState.READY) if unclaimed else TaskFilter(assignee_id=holder)
    tasks = get_all_tasks(db.session, user=user, where=where, page=1, page_size=INBOX_SIZE)
    moment = now()
    rows = [task_view(task, moment) for task in tasks]
    names = procedure_names({task.dossier_id for task in tasks})
    for row in rows:
        row["procedure_name"] = names[row["dossier_id"]]
    members, held = [], {}
    if user.role == Role.HEAD:
        members = get_department_members(db.session, department_code=user.department_code,
                                         user=user)
        held = count_open_tasks_by_holder(db.session, user=user,
                                          department_code=user.department_code)
    return render_template("web/inbox.html", rows=rows, members=members, holder=holder,
                           held=held, unclaimed=unclaimed, unclaimed_value=UNCLAIMED,
                           error=error, done=request.args.get("xong"),
                           apology_within=APOLOGY_WITHIN_HOURS), status


@blp.post("/hop-viec/<int:task_id>/nhan")
def claim(task_id: int):
    """Claim a ready step, then open it."""
    try:
        claim_task(db.session, _ctx(), task_id=task_id, user=sessions.signed_in_user(),
                   now=now())
    except RACES as err:
        return inbox(error=_race_message(err), status=409)
    return redirect(url_for("web.step", task_id=task_id))


@blp.post("/hop-viec/<int:task_id>/tra-lai")
def unclaim(task_id: int):
    """Give a step back to the department's queue."""
    try:
        unclaim_task(db.session, _ctx(), task_id=task_id, user=sessions.signed_in_user(),
                     now=now())
    except RACES as err:
        return inbox(error=_race_message(err), status=409)
    return redirect(url_for("web.inbox"))


@blp.post("/hop-viec/<int:task_id>/giao")
def reassign(task_id: int):
    """Hand a step to the member of the department the head picked by name."""
    user = sessions.signed_in_user()
    assignee = request.form.get("assignee_id", type=int)
    if assignee is None:
        return step(task_id, assign_error=_("Hãy chọn người nhận việc."), status=422)
    try:
        assign_task(db.session, _ctx(), task_id=task_id, assignee_id=assignee, user=user,
                    now=now())
    except RACES as err:
        return step(task_id, assign_error=_race_message(err), status=409)
    return redirect(url_for("web.step", task_id=task_id))


@blp.route("/hop-viec/<int:task_id>", methods=["GET", "POST"])
def step(task_id: int, assign_error: str | None = None, status: int = 200):
    """Show a step: the intake, the earlier steps, and its form for whoever holds it."""
    user = sessions.signed_in_user()
    ctx = _ctx()
    task = get_task_or_raise(db.session, task_id, user=user)
    schema = ctx.forms.schema(task.form_key)
    values, errors, error = {}, {}, None
    if request.method == "POST" and assign_error is None:
        data = coerce(schema, request.form)
        try:
            complete_task(db.session, ctx, task_id=task_id, data=data, user=user, now=now(),
                          results=result_issuing())
        except InvalidFormData:
            values, status = posted_values(schema, data), 422
            errors = field_messages(ctx.forms.field_problems(task.form_key, data))
            error = _("Biểu mẫu còn lỗi: hãy sửa các trường được đánh dấu.")
        except RACES as err:
            values, status, error = posted_values(schema, data), 409, _race_message(err)
        except SigningCredentialMissing as err:  # MOTCUA_REQUIRE_SIGNED_RESULTS is on
            values, status, error = posted_values(schema, data), 409, message_of(err)
        else:
            # A leader goes back to the signing queue, everyone else to the inbox.
            back = "web.signing_queue" if user.role == Role.LEADER else "web.inbox"
            return redirect(url_for(back, xong=task.dossier_code))
    dossier = get_dossier_or_raise(db.session, task.dossier_code, user=user)
    procedure = db.session.get(Procedure, dossier.procedure_code)
    intake = readable(ctx.forms.schema(intake_form_key(db.session, dossier)), dossier.intake)
    sheet = control_sheet(db.session, code=dossier.code, user=user,
                          calendar=ctx.calendar(db.session), now=now())
    earlier = [row for row in sheet.rows if row.completed_at is not None]
    holds = task.state == TaskState.CLAIMED and task.assignee_id == user.id
    heads = user.role in (Role.HEAD, Role.ADMIN) and task.state in (TaskState.READY,
                                                                      TaskState.CLAIMED)
    members = (get_department_members(db.session, department_code=task.department_code,
                                      user=user) if heads else [])
    return render_template(
        "web/step.html", task=task_view(task, now()), dossier=dossier, procedure=procedure,
        intake=intake, earlier=earlier, holds=holds, fields=form_fields(schema),
        form_title=schema.get("title", task.step_name), values=values, errors=errors,
        error=error, members=members, assign_error=assign_error,
        apology=offers_apology(user, dossier)), status
