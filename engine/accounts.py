"""Staff accounts, their bearer tokens and what each role may do."""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import DepartmentNotFound, InvalidInput, NotPermitted, UserNotFound
from engine.models import Department, HumanTask, User
from engine.statuses import Role

TOKEN_PREFIX = "mc_"
ROLES_WITH_DEPARTMENT = {Role.RECEPTIONIST, Role.OFFICER, Role.HEAD, Role.LEADER}
ROLES_READING_DOSSIERS = {Role.RECEPTIONIST, Role.OFFICER, Role.HEAD, Role.LEADER,
                          Role.SUPERVISOR, Role.ADMIN}
ROLES_SEEING_ALL_TASKS = {Role.SUPERVISOR, Role.ADMIN}
ROLES_RECEIVING = {Role.RECEPTIONIST, Role.ADMIN}


def token_hash(token: str) -> str:
    """Return the stored form of a bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_user(session: Session, *, username: str, role: str, department_code: str | None,
                full_name: str = "", actor: str = "system", now: datetime) -> tuple[User, str]:
    """Create a user and return it with its bearer token (shown once, stored hashed)."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role '{role}'; choose one of "
                           f"{[r.value for r in Role]}", field="role") from None
    if role in ROLES_WITH_DEPARTMENT and not department_code:
        raise InvalidInput(f"a {role.value} belongs to a department: give --department CODE",
                           field="department")
    if department_code and session.get(Department, department_code) is None:
        known = sorted(session.scalars(select(Department.code)))
        raise DepartmentNotFound(f"no department '{department_code}'; known: {known}",
                                 code=department_code)
    token = _new_token()
    user = User(username=username, full_name=full_name, role=role.value,
                department_code=department_code, token_hash=token_hash(token), active=True,
                created_at=now)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(f"username '{username}' is taken", field="username") from None
    audit.append(session, [audit.Change(actor=actor, action="user.created",
                                        after={"username": username, "role": role.value,
                                               "department": department_code})], now=now)
    session.commit()
    return user, token


def authenticate(session: Session, token: str) -> User | None:
    """Return the active user holding this token, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    user = session.scalars(select(User).where(User.token_hash == token_hash(token))).one_or_none()
    return user if user is not None and user.active else None


def get_user_or_raise(session: Session, user_id: int) -> User:
    """Return the user with this id."""
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(f"no user has id {user_id}", user_id=user_id)
    return user


def check_can_receive(user: User) -> None:
    """Only reception staff receive dossiers."""
    if Role(user.role) not in ROLES_RECEIVING:
        raise NotPermitted(f"a {user.role} cannot receive dossiers; reception staff do")


def check_can_read_dossiers(user: User) -> None:
    """Staff who handle or supervise dossiers may read them."""
    if Role(user.role) not in ROLES_READING_DOSSIERS:
        raise NotPermitted(f"a {user.role} cannot read dossiers")


def check_can_see_task(user: User, task: HumanTask) -> None:
    """Officers see the steps of their own department; supervisors and admins see all."""
    if Role(user.role) in ROLES_SEEING_ALL_TASKS:
        return
    if user.department_code != task.department_code:
        raise NotPermitted(f"this step belongs to department {task.department_code}; "
                           f"you are in {user.department_code}")


def check_can_work_on(user: User, task: HumanTask) -> None:
    """A step is worked by its department, and by its head or leader when the model says so."""
    if user.department_code != task.department_code or Role(user.role) not in (
            ROLES_WITH_DEPARTMENT):
        raise NotPermitted(f"this step belongs to department {task.department_code}; "
                           f"you are a {user.role} in {user.department_code}")
    if task.required_role and user.role != task.required_role:
        raise NotPermitted(f"step '{task.step}' must be done by the department's "
                           f"{task.required_role}; you are a {user.role}")


def check_can_assign(user: User, task: HumanTask) -> None:
    """The head of the step's department, or an admin, hands steps out."""
    if user.role == Role.ADMIN:
        return
    if user.role != Role.HEAD or user.department_code != task.department_code:
        raise NotPermitted(f"only the head of department {task.department_code} may assign "
                           "this step")
