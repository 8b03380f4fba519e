"""Who a bearer token belongs to, kept per process while no account has changed.

Every API request presents a token; reading its user cost a statement (and the ORM's
work on its row) per request. Here a process keeps, per token hash, the user's column
values, read under the current "users" generation of engine.change_signals: deactivating,
rotating or revoking a token, setting a password, changing a role or a department — any
change of a `User` through a session — bumps the generation in every process (on
PostgreSQL through LISTEN/NOTIFY, read by the ping of the next request), so the next
request reads the row again and a deactivated user is refused at once. Where changes are
not signalled (SQLite) every request reads the row, as before.

The request gets its own `User` attached to its session from the kept values, with no
statement: use cases may change it and flush as usual.
"""

import threading

from sqlalchemy import select
from sqlalchemy.orm import Session, make_transient_to_detached

from engine.change_signals import GENERATIONS, USERS, signalled
from engine.models import User

# Far more than the staff of a centre; past it the oldest half is dropped.
MAX_KEPT = 10_000
_COLUMNS = [column.key for column in User.__table__.columns]


class KnownTokens:
    """Token hash → the active user's column values, good for one "users" generation."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept: dict[str, tuple[int, dict]] = {}

    def user(self, session: Session, digest: str) -> User | None:
        """Return the active user whose token hashes to `digest`, attached to `session`."""
        # Draw the connection first: its ping reads the change signals sent meanwhile.
        session.connection()
        generation = GENERATIONS.of(USERS)
        kept = self._kept.get(digest)
        if kept is not None and kept[0] == generation:
            return _attached(session, kept[1])
        user = session.scalars(select(User).where(User.token_hash == digest)).one_or_none()
        if user is None or not user.active:
            return None
        if signalled(session):
            # Read under `generation`: a change committed meanwhile bumped it past this.
            with self._lock:
                if len(self._kept) >= MAX_KEPT:
                    for old in list(self._kept)[:MAX_KEPT // 2]:
                        del self._kept[old]
                self._kept[digest] = (generation, {k: getattr(user, k) for k in _COLUMNS})
        return user


def _attached(session: Session, values: dict) -> User:
    existing = session.identity_map.get(session.identity_key(User, (values["id"],)))
    if existing is not None:
        return existing
    user = User(**values)
    make_transient_to_detached(user)
    session.add(user)
    return user


KNOWN_TOKENS = KnownTokens()
