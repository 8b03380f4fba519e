"""Staff accounts over HTTP, for admins: list, create, deactivate and activate, tokens."""

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.auth import current_user
from api.clock import now
from api.extensions import db
from api.refusals import refusals
from api.schemas import INTEGER_MAX, PageQuery
from engine.access import check_is_admin
from engine.accounts import (
    UserFilter,
    create_user,
    get_all_users,
    get_user_or_raise,
    revoke_token,
    rotate_token,
    set_active,
)
from engine.models import User
from engine.passwords import MIN_LENGTH, set_password
from engine.statuses import Role

ROLES = [role.value for role in Role]

blp = Blueprint("users", __name__, url_prefix="/api/v1/users",
                description="Staff accounts and their tokens, for admins")


class UserListQuery(PageQuery):
    """Filters of the user list; all of them narrow the result."""

    role = fields.String(validate=validate.OneOf(ROLES))
    department = fields.String(metadata={"description": "a department code, e.g. OFFICE"})
    active = fields.Boolean(metadata={"description": "only active (true) or deactivated "
                                                     "(false) users"})


class UserSchema(Schema):
    """A member of staff."""

    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    department = fields.String(attribute="department_code", allow_none=True)
    active = fields.Boolean(metadata={"description": "false: every request with the user's "
                                                     "token answers 401"})
    created_at = fields.DateTime()


class UserWithTokenSchema(UserSchema):
    """A member of staff with the bearer token just issued: shown this once, stored hashed."""

    token = fields.String()


class CreateUserSchema(Schema):
    """A new member of staff."""

    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    department = fields.String(load_default=None, metadata={
        "description": "required for receptionists, officers, heads and leaders"})
    full_name = fields.String(load_default="", validate=validate.Length(max=200))


class PasswordSchema(Schema):
    """A new password for the staff app."""

    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=MIN_LENGTH, max=1000), metadata={
                                 "description": f"at least {MIN_LENGTH} characters"})


def _admin() -> User:
    user = current_user()
    check_is_admin(user, "manages users")
    return user


def _with_token(user: User, token: str) -> dict:
    return {**{column.key: getattr(user, column.key) for column in User.__table__.columns},
            "token": token}


@blp.route("")
class Users(MethodView):
    """The staff accounts."""

    @blp.arguments(UserListQuery, location="query")
    @blp.response(200, UserSchema(many=True))
    @refusals(blp, 403)
    def get(self, query):
        """List users by username, filtered by role, department or active. Admins only."""
        _admin()
        where = UserFilter(role=query.get("role"), department_code=query.get("department"),
                           active=query.get("active"))
        return get_all_users(db.session, where=where, page=query["page"],
                             page_size=query["page_size"])

    @blp.arguments(CreateUserSchema)
    @blp.response(201, UserWithTokenSchema)
    @refusals(blp, 403, 404, 422)
    def post(self, body):
        """Create a user and issue their token, shown only in this response. Admins only."""
        admin = _admin()
        user, token = create_user(db.session, username=body["username"], role=body["role"],
                                  department_code=body["department"],
                                  full_name=body["full_name"], actor=admin.username, now=now())
        return _with_token(user, token)


@blp.route(f"/<int(min=1, max={INTEGER_MAX}):user_id>")
class UserById(MethodView):
    """One staff account."""

    @blp.response(200, UserSchema)
    @refusals(blp, 403, 404)
    def get(self, user_id):
        """Show a user. Admins only."""
        _admin()
        return get_user_or_raise(db.session, user_id)


@blp.route(f"/<int(min=1, max={INTEGER_MAX}):user_id>/deactivate")
class DeactivateUser(MethodView):
    """Stop a user from working."""

    @blp.response(200, UserSchema)
    @refusals(blp, 403, 404)
    def post(self, user_id):
        """Deactivate a user: their token and app sessions fail from the next request. Admins only.

        Steps cannot be assigned to a deactivated user, and notifications skip them.
        """
        admin = _admin()
        return set_active(db.session, get_user_or_raise(db.session, user_id), active=False,
                          actor=admin.username, now=now())


@blp.route(f"/<int(min=1, max={INTEGER_MAX}):user_id>/activate")
class ActivateUser(MethodView):
    """Let a deactivated user work again."""

    @blp.response(200, UserSchema)
    @refusals(blp, 403, 404)
    def post(self, user_id):
        """Activate a user again; their current token works again. Admins only."""
        admin = _admin()
        return set_active(db.session, get_user_or_raise(db.session, user_id), active=True,
                          actor=admin.username, now=now())


@blp.route(f"/<int(min=1, max={INTEGER_MAX}):user_id>/token")
class UserToken(MethodView):
    """A user's bearer token."""

    @blp.response(200, UserWithTokenSchema)
    @refusals(blp, 403, 404)
    def post(self, user_id):
        """Issue a new token, shown only in this answer; the old one stops working. Admins only."""
        admin = _admin()
        user = get_user_or_raise(db.session, user_id)
        return _with_token(user, rotate_token(db.session, user, actor=admin.username, now=now()))

    @blp.response(200, UserSchema)
    @refusals(blp, 403, 404)
    def delete(self, user_id):
        """Revoke the user's token: none works until a new one is issued. Admins only."""
        admin = _admin()
        return revoke_token(db.session, get_user_or_raise(db.session, user_id),
                            actor=admin.username, now=now())


@blp.route("/<int:user_id>/password")
class UserPassword(MethodView):
    """A user's password for the staff app."""

    @blp.arguments(PasswordSchema)
    @blp.response(200, UserSchema)
    @refusals(blp, 403, 404, 422)
    def post(self, body, user_id):
        """Set a user's password, lift any lock, and sign them out of the app. Admins only.

        The user's bearer token is unchanged. Audited as `user.password_set`.
        """
        admin = _admin()
        return set_password(db.session, get_user_or_raise(db.session, user_id),
                            body["password"], actor=admin.username, now=now())
