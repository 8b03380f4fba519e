"""Staff accounts, their bearer tokens and what each role may do."""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from engine.access import ROLES_WITH_DEPARTMENT
from engine.errors import DepartmentNotFound, InvalidInput, UserNotFound
from engine.models import Department, User
from engine.statuses import Role

TOKEN_PREFIX = "mc_"


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
