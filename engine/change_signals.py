"""Tell every server process that staff accounts or the calendar changed, at no cost per request.

Two things are read on nearly every request and change a few times a year: who a bearer
token belongs to (engine.known_tokens) and the working calendar (engine.calendar_store).
Each process keeps them in memory and keeps, per topic ("users", "calendar"), a
*generation* number; a kept value is good only while its topic's generation is the one it
was read under. A change bumps the generation in every process:

- **PostgreSQL**: the writing transaction sends `pg_notify('motcua_changes', topic)`, which
  PostgreSQL delivers only if it commits. Every pooled connection LISTENs on the channel;
  psycopg hands a notification to `_received` whenever it reads from that connection. The
  pool pings a connection (`pool_pre_ping`) when a request draws it, and an idle backend
  sends a notification before it answers a later statement, so the ping of *the next
  request* reads every notification committed before that request came, on whichever
  connection it draws: the change takes effect on the next request without any statement
  of its own. A connection opened anew may have missed notifications, so opening one bumps
  every generation.
- **Everywhere**, the writing session bumps its own process's generations after COMMIT.
- **SQLite** (one host, a CLI next to the server) has no notifications: `signalled` says
  so and the caches there read the database as before.

Why this rather than a per-user version column checked in a statement the request runs
anyway: that needs a migration and a join into each use case's first statement (the task
look-up, the dossier lock…), which are being reshaped into one unit of work; the LISTEN
rides on the ping every request already pays. A writer that bypasses the ORM (raw SQL on
`users` outside SQLAlchemy, as in psql) sends no signal: change accounts through
engine.accounts, engine.passwords or a session, or send `NOTIFY motcua_changes, 'users'`
after. Any change of `users` through a session, of an object or by an UPDATE or DELETE
statement, is signalled (`_watch_users`, `_watch_statements`), in every process that
imports anything of `engine` (its `__init__` imports this module).
"""

import threading
import weakref
from collections import defaultdict
from itertools import chain

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

CHANNEL = "motcua_changes"
USERS = "users"
CALENDAR = "calendar"
TOPICS = (USERS, CALENDAR)
_ANNOUNCED = "motcua_announced"


class Generations:
    """Per topic, how many changes this process has heard of."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, int] = defaultdict(int)

    def of(self, topic: str) -> int:
        """Return the topic's generation now."""
        return self._counts[topic]

    def bump(self, *topics: str) -> None:
        """Count a change of each topic."""
        with self._lock:
            for topic in topics:
                self._counts[topic] += 1


GENERATIONS = Generations()
_listening: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def signalled(session: Session) -> bool:
    """Return whether other processes' changes reach this session's process by signal."""
    return session.get_bind() in _listening


def announce(session: Session, topic: str) -> None:
    """Tell every process, once the session's transaction commits, that `topic` changed."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(CHANNEL, topic)))
    session.info.setdefault(_ANNOUNCED, set()).add(topic)


def listen(engine: Engine) -> None:
    """Have every connection of a PostgreSQL engine hear the changes (no-op elsewhere)."""
    if engine.dialect.name != "postgresql" or engine in _listening:
        return
    if not engine.pool._pre_ping:  # noqa: SLF001 - the guarantee rests on the ping
        return
    event.listen(engine, "connect", _listen_on)
    _listening.add(engine)


def _listen_on(dbapi_connection, _record) -> None:
    dbapi_connection.add_notify_handler(_received)
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    try:
        dbapi_connection.execute(f"LISTEN {CHANNEL}")
    finally:
        dbapi_connection.autocommit = autocommit
    # Changes made before this connection listened were heard by no connection of ours.
    GENERATIONS.bump(*TOPICS)


def _received(notification) -> None:
    GENERATIONS.bump(*([notification.payload] if notification.payload in TOPICS else TOPICS))


@event.listens_for(Session, "before_flush")
def _watch_users(session: Session, _context, _instances) -> None:
    if any(getattr(o, "__tablename__", None) == "users"
           for o in chain(session.new, session.dirty, session.deleted)):
        announce(session, USERS)


@event.listens_for(Session, "do_orm_execute")
def _watch_statements(state) -> None:
    mapper = state.bind_mapper
    if ((state.is_update or state.is_delete or state.is_insert) and mapper is not None
            and mapper.local_table.name == "users"):
        announce(state.session, USERS)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    topics = session.info.pop(_ANNOUNCED, None)
    if topics:
        GENERATIONS.bump(*topics)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_ANNOUNCED, None)
