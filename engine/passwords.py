"""Staff passwords: argon2 hashes, setting and changing them, signing in with a lockout."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import audit
from engine.errors import AccountLocked, PasswordTooShort, SignInRefused
from engine.models import User, WebSession

MIN_LENGTH = 10
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Lockout:
    """How many wrong passwords in a row lock an account, and for how long."""

    max_failures: int = 5
    duration: timedelta = timedelta(minutes=15)


@cache
def _unknown_user_hash() -> str:
    """Return a hash checked when no password is stored: the refusal takes as long as any."""
    return _hasher.hash("no user has this password")


def _matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _unknown_user_hash(), password) and (
            password_hash is not None)
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    """Return the argon2 hash of a new password; refuse one shorter than MIN_LENGTH."""
    if len(password) < MIN_LENGTH:
        raise PasswordTooShort(MIN_LENGTH)
    return _hasher.hash(password)


def set_password(session: Session, user: User, password: str, *, actor: str, now: datetime,
                 keep_session: str | None = None) -> User:
    """Give the user a new password, lift any lock, and end their other web sessions.

    `keep_session` is the id hash of the session the user changed it from, which stays open.
    """
    user.password_hash = hash_password(password)
    user.failed_sign_ins = 0
    user.locked_until = None
    session.execute(delete(WebSession).where(WebSession.user_id == user.id,
                                             WebSession.id_hash != (keep_session or "")))
    audit.append(session, [audit.Change(actor=actor, action="user.password_set",
                                        after={"username": user.username})], now=now)
    session.commit()
    return user


def change_own_password(session: Session, user: User, *, current: str, new: str,
                        now: datetime, keep_session: str) -> User:
    """Change the user's password after checking the current one."""
    if not _matches(user.password_hash, current):
        raise SignInRefused("the current password is wrong", field="current_password",
                            reason="current_password_wrong")
    return set_password(session, user, new, actor=user.username, now=now,
                        keep_session=keep_session)


def sign_in(session: Session, username: str, password: str, *, now: datetime,
            lockout: Lockout) -> User:
    """Return the active user with this username and password, counting wrong passwords.

    The `lockout.max_failures`-th wrong password in a row locks the account for
    `lockout.duration`; while locked, even the right password is refused.
    """
    # Locked for the count: two wrong passwords at once must both be counted.
    user = session.scalars(select(User).where(User.username == username)
                           .with_for_update()).one_or_none()
    right = _matches(user.password_hash if user else None, password)
    if user is None or not user.active:
        raise SignInRefused("the username or the password is wrong")
    if user.locked_until is not None and user.locked_until > now:
        raise AccountLocked(user.locked_until)
    if right:
        user.failed_sign_ins = 0
        user.locked_until = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)  # stronger parameters since it was set
        session.commit()
        return user
    user.failed_sign_ins += 1
    if user.failed_sign_ins >= lockout.max_failures:
        user.failed_sign_ins = 0
        user.locked_until = now + lockout.duration
        audit.append(session, [audit.Change(
            actor="system", action="user.locked",
            after={"username": user.username, "until": user.locked_until.isoformat()})],
            now=now)
        session.commit()
        raise AccountLocked(user.locked_until)
    session.commit()
    raise SignInRefused("the username or the password is wrong")
