"""Staff accounts and their bearer tokens: create, list, deactivate, rotate, revoke."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import audit
from engine.access import ROLES_WITH_DEPARTMENT, check_can_list_members
from engine.errors import DepartmentNotFound, InvalidInput, UserNotFound
from engine.known_tokens import KNOWN_TOKENS
from engine.models import Department, User
from engine.passwords import hash_password
from engine.statuses import Role

TOKEN_PREFIX = "mc_"
REVOKED_PREFIX = "revoked-"


def token_hash(token: str) -> str:
    """Return the stored form of a bearer token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def create_user(session: Session, *, username: str, role: str, department_code: str | None,
                full_name: str = "", password: str | None = None, actor: str = "system",
                now: datetime) -> tuple[User, str]:
    """Create a user and return it with its bearer token (shown once, stored hashed).

    Without a password the user works through the API only until one is set.
    """
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"unknown role '{role}'; choose one of "
                           f"{[r.value for r in Role]}", field="role", reason="unknown_role",
                           role=role, known=[r.value for r in Role]) from None
    if role in ROLES_WITH_DEPARTMENT and not department_code:
        raise InvalidInput(f"a {role.value} belongs to a department: give --department CODE",
                           field="department", reason="department_required", role=role.value)
    if department_code and session.get(Department, department_code) is None:
        known = sorted(session.scalars(select(Department.code)))
        raise DepartmentNotFound(f"no department '{department_code}'; known: {known}",
                                 code=department_code)
    password_hash = hash_password(password) if password is not None else None
    token = _new_token()
    user = User(username=username, full_name=full_name, role=role.value,
                department_code=department_code, token_hash=token_hash(token), active=True,
                password_hash=password_hash, created_at=now)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise InvalidInput(f"username '{username}' is taken", field="username",
                           reason="username_taken", username=username) from None
    audit.append(session, [audit.Change(actor=actor, action="user.created",
                                        after={"username": username, "role": role.value,
                                               "department": department_code})], now=now)
    session.commit()
    return user, token


def authenticate(session: Session, token: str) -> User | None:
    """Return the active user holding this token, or None (engine.known_tokens keeps them)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    return KNOWN_TOKENS.user(session, token_hash(token))


def get_user_or_raise(session: Session, user_id: int) -> User:
    """Return the user with this id."""
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFound(f"no user has id {user_id}", user_id=user_id)
    return user


def get_user_by_name_or_raise(session: Session, username: str) -> User:
    """Return the user with this username."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise UserNotFound(f"no user is named '{username}'; `motcua user list` shows them",
                           username=username)
    return user


@dataclass(frozen=True)
class UserFilter:
    """What a user list may be narrowed by."""

    role: str | None = None
    department_code: str | None = None
    active: bool | None = None


def get_all_users(session: Session, *, where: UserFilter, page: int = 1,
                  page_size: int | None = None) -> list[User]:
    """Return users by username, one page of them when `page_size` is given."""
    query = select(User).order_by(User.username)
    if where.role is not None:
        query = query.where(User.role == where.role)
    if where.department_code is not None:
        query = query.where(User.department_code == where.department_code)
    if where.active is not None:
        query = query.where(User.active.is_(where.active))
    if page_size is not None:
        query = query.offset((page - 1) * page_size).limit(page_size)
    return list(session.scalars(query))


def list_departments(session: Session) -> list[Department]:
    """Return every department by code: the lanes a model may have."""
    return list(session.scalars(select(Department).order_by(Department.code)))


def get_department_members(session: Session, *, department_code: str,
                           user: User) -> list[User]:
    """Return a department's active members by username, for its head to hand steps to."""
    check_can_list_members(user, department_code)
    if session.get(Department, department_code) is None:
        raise DepartmentNotFound(f"no department '{department_code}'",
                                 code=department_code)
    query = (select(User).where(User.department_code == department_code,
                                User.active.is_(True))
             .order_by(User.username))
    return list(session.scalars(query))


def set_active(session: Session, user: User, *, active: bool, actor: str,
               now: datetime) -> User:
    """Activate or deactivate a user; their token and web sessions fail from the next request."""
    if user.active != active:
        user.active = active
        audit.append(session, [audit.Change(
            actor=actor, action="user.activated" if active else "user.deactivated",
            before={"username": user.username, "active": not active},
            after={"username": user.username, "active": active})], now=now)
    session.commit()
    return user


def rotate_token(session: Session, user: User, *, actor: str, now: datetime) -> str:
    """Give the user a new token and return it (shown once); the old one stops working."""
    token = _new_token()
    user.token_hash = token_hash(token)
    audit.append(session, [audit.Change(actor=actor, action="user.token_rotated",
                                        after={"username": user.username})], now=now)
    session.commit()
    return token


def revoke_token(session: Session, user: User, *, actor: str, now: datetime) -> User:
    """Make every token of the user fail until a new one is rotated in."""
    # No token hashes to this: a SHA-256 hex digest has no 'r', 'v', 'k' or '-'.
    user.token_hash = REVOKED_PREFIX + secrets.token_hex(28)
    audit.append(session, [audit.Change(actor=actor, action="user.token_revoked",
                                        after={"username": user.username})], now=now)
    session.commit()
    return user
