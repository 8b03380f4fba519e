"""Departments over HTTP: who works in one, for its head to hand steps to."""

from flask.views import MethodView
from flask_smorest import Blueprint

from api.auth import current_user
from api.extensions import db
from api.refusals import refusals
from api.users import UserSchema
from engine.accounts import get_department_members

blp = Blueprint("departments", __name__, url_prefix="/api/v1/departments",
                description="Departments and their members")


@blp.route("/<code>/members")
class DepartmentMembers(MethodView):
    """A department's people."""

    @blp.response(200, UserSchema(many=True))
    @refusals(blp, 403, 404)
    def get(self, code):
        """List the department's active members by username (its head and admins only).

        A head picks from this list whom to assign or reassign a step to
        (`POST /api/v1/tasks/{task_id}/assign` with the member's `id`).
        """
        return get_department_members(db.session, department_code=code, user=current_user())
