"""Signed-in browsers: open, find (with idle and absolute timeouts), close."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.models import User, WebSession


@dataclass(frozen=True)
class Lifetime:
    """How long a session lasts unused, and at most."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


def id_hash(session_id: str) -> str:
    """Return the stored form of a session id."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def open_session(session: Session, user: User, *, now: datetime,
                 lifetime: Lifetime) -> tuple[str, WebSession]:
    """Start a session for the user; return its id (for the cookie only) and its row.

    Sessions of anyone that have gone idle are deleted on the way.
    """
    session.execute(delete(WebSession).where(WebSession.last_seen_at < now - lifetime.idle))
    session_id = secrets.token_urlsafe(32)
    row = WebSession(id_hash=id_hash(session_id), user_id=user.id,
                     csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now)
    session.add(row)
    session.commit()
    return session_id, row


def find_session(session: Session, session_id: str, *, now: datetime,
                 lifetime: Lifetime) -> tuple[WebSession, User] | None:
    """Return the live session with this id and its user, marking it seen now.

    A session idle too long, past its absolute lifetime, or of a deactivated user is
    deleted and None returned.
    """
    found = session.execute(select(WebSession, User).join(User, User.id == WebSession.user_id)
                            .where(WebSession.id_hash == id_hash(session_id))).one_or_none()
    if found is None:
        return None
    row, user = found
    if (not user.active or now - row.last_seen_at > lifetime.idle
            or now - row.created_at > lifetime.absolute):
        session.delete(row)
        session.commit()
        return None
    row.last_seen_at = now
    session.commit()
    return row, user


def close_session(session: Session, session_id: str) -> None:
    """End the session with this id, if it exists."""
    session.execute(delete(WebSession).where(WebSession.id_hash == id_hash(session_id)))
    session.commit()
