"""Departments over HTTP: the list (the designer's lanes), and who works in one."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from api.auth import current_user
from api.extensions import db
from api.refusals import refusals
from api.users import UserSchema
from engine.accounts import get_all_departments, get_department_members

blp = Blueprint("departments", __name__, url_prefix="/api/v1/departments",
                description="Departments and their members")


class DepartmentSchema(Schema):
    """A department: a lane of the models, the owner of procedures."""

    code = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    external = fields.Boolean(metadata={"description": "an agency outside the center"})


@blp.route("")
class Departments(MethodView):
    """Every department."""

    @blp.response(200, DepartmentSchema(many=True))
    def get(self):
        """List every department by code (any staff member): a model's lanes are named so."""
        return get_all_departments(db.session)


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
