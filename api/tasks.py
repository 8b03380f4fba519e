"""Steps: the department inbox and the claim / complete cycle."""

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_user
from api.clock import now
from api.extensions import db
from api.refusals import refusals
from api.results import result_issuing
from api.schemas import (
    AssignTaskSchema,
    CompletedTaskSchema,
    CompleteTaskSchema,
    TaskDetailSchema,
    TaskListQuery,
    TaskSchema,
)
from api.views import task_view
from engine.tasks import (
    TaskFilter,
    assign_task,
    claim_task,
    complete_task,
    get_all_tasks,
    get_task_or_raise,
    unclaim_task,
)

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks",
                description="Human steps of dossiers")


@blp.route("")
class Tasks(MethodView):
    """The inbox."""

    @blp.arguments(TaskListQuery, location="query")
    @blp.response(200, TaskSchema(many=True))
    def get(self, query):
        """List open steps of the caller's department, oldest first; filter by state or assignee."""
        page, page_size = query.pop("page"), query.pop("page_size")
        where = TaskFilter(department_code=query.get("department"), state=query.get("state"),
                           assignee_id=query.get("assignee_id"),
                           dossier_code=query.get("dossier_code"))
        tasks = get_all_tasks(db.session, user=current_user(), where=where, page=page,
                              page_size=page_size)
        moment = now()
        return [task_view(task, moment) for task in tasks]


@blp.route("/<int:task_id>")
class TaskById(MethodView):
    """One step."""

    @blp.response(200, TaskDetailSchema)
    @refusals(blp, 403, 404)
    def get(self, task_id):
        """Show a step with the JSON Schema of its form."""
        task = get_task_or_raise(db.session, task_id, user=current_user())
        form_schema = current_app.extensions["motcua"].forms.schema(task.form_key)
        return task_view(task, now(), form_schema=form_schema)


@blp.route("/<int:task_id>/claim")
class ClaimTask(MethodView):
    """Take a step."""

    @blp.response(200, TaskSchema)
    @refusals(blp, 403, 404, 409)
    def post(self, task_id):
        """Claim a ready step of your department; 409 if someone else holds it."""
        moment = now()
        return task_view(claim_task(db.session, current_app.extensions["motcua"],
                                    task_id=task_id, user=current_user(), now=moment), moment)


@blp.route("/<int:task_id>/unclaim")
class UnclaimTask(MethodView):
    """Give a step back."""

    @blp.response(200, TaskSchema)
    @refusals(blp, 403, 404, 409)
    def post(self, task_id):
        """Release a step you hold (the head may release anyone's) back to the queue."""
        moment = now()
        return task_view(unclaim_task(db.session, current_app.extensions["motcua"],
                                      task_id=task_id, user=current_user(), now=moment), moment)


@blp.route("/<int:task_id>/assign")
class AssignTask(MethodView):
    """Hand a step to someone."""

    @blp.arguments(AssignTaskSchema)
    @blp.response(200, TaskSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, task_id):
        """Assign or reassign a step to a member of its department (head of department)."""
        moment = now()
        return task_view(assign_task(db.session, current_app.extensions["motcua"],
                                     task_id=task_id,
                                     assignee_id=body["assignee_id"], user=current_user(),
                                     now=moment), moment)


@blp.route("/<int:task_id>/complete")
class CompleteTask(MethodView):
    """Finish a step."""

    @blp.arguments(CompleteTaskSchema)
    @blp.response(200, CompletedTaskSchema)
    @refusals(blp, 403, 404, 409, 422)
    def post(self, body, task_id):
        """Complete a step you hold with its form data; the dossier moves to its next steps.

        The answer carries `next_steps`, the dossier's steps open after this one, so the
        client needs no look-up to go on. Invalid form data gives 422 with one entry per field.
        """
        moment = now()
        task, next_steps = complete_task(db.session, current_app.extensions["motcua"],
                                         task_id=task_id, data=body["form_data"],
                                         user=current_user(), now=moment,
                                         results=result_issuing())
        return task_view(task, moment, next_steps=next_steps)
