"""Throw-away PostgreSQL databases for tests, fault tests and benchmarks: loopback only."""

import ipaddress
import secrets
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import URL, make_url

CONNECT_TIMEOUT_S = 10


class NotOnThisMachine(ValueError):
    """The server named is not on this machine; nothing was created there."""


def check_loopback(url: URL) -> None:
    """Refuse servers off this machine: tests and benchmarks send loopback traffic only."""
    host = url.host or ""
    if not host or host.startswith("/") or host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise NotOnThisMachine(f"{host!r} is not this machine: use a PostgreSQL server on "
                           "127.0.0.1, ::1, localhost or a socket directory")


@dataclass
class ScratchDatabase:
    """A database `<prefix>_<random>` on a local server, dropped by `drop()`."""

    server: URL
    name: str

    @classmethod
    def create(cls, server_url: str, *, prefix: str) -> "ScratchDatabase":
        """Create a new, empty database on the server named by `server_url`."""
        database = cls.existing(server_url, f"{prefix}_{secrets.token_hex(5)}")
        with psycopg.connect(_conninfo(database.server), autocommit=True,
                             connect_timeout=CONNECT_TIMEOUT_S) as conn:
            conn.execute(f'CREATE DATABASE "{database.name}"')
        return database

    @classmethod
    def existing(cls, server_url: str, name: str) -> "ScratchDatabase":
        """Return a handle on a database that is already there (it is not created)."""
        server = make_url(server_url)
        if server.drivername.split("+")[0] not in ("postgresql", "postgres"):
            raise ValueError(f"a PostgreSQL server is needed, not {server.drivername}")
        server = server.set(drivername="postgresql")
        check_loopback(server)
        return cls(server=server, name=name)

    @property
    def url(self) -> str:
        """Return the plain postgresql:// URL, what `motcua` reads from MOTCUA_DATABASE_URL."""
        return _conninfo(self.server.set(database=self.name))

    @property
    def sqlalchemy_url(self) -> str:
        """Return the URL with the psycopg 3 driver, for SQLAlchemy and create_app."""
        return _conninfo(self.server.set(drivername="postgresql+psycopg", database=self.name))

    def connect(self, **kwargs) -> psycopg.Connection:
        """Open a psycopg connection to the database."""
        return psycopg.connect(self.url, connect_timeout=CONNECT_TIMEOUT_S, **kwargs)

    def drop(self) -> None:
        """Drop the database, closing whatever still holds a connection to it."""
        with psycopg.connect(_conninfo(self.server), autocommit=True,
                             connect_timeout=CONNECT_TIMEOUT_S) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _conninfo(url: URL) -> str:
    return url.render_as_string(hide_password=False)
