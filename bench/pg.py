"""The throw-away PostgreSQL database a benchmark run works in."""

import ipaddress
import secrets
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import URL, make_url

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _check_loopback(url: URL) -> None:
    """Refuse servers off this machine: the benchmark only sends loopback traffic."""
    host = url.host or ""
    if not host or host.startswith("/") or host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"MOTCUA_BENCH_DATABASE_URL points at {host!r}; the benchmark only talks "
                     "to a PostgreSQL server on this machine (127.0.0.1, ::1, localhost or a "
                     "socket directory)")


@dataclass
class BenchDatabase:
    """A fresh database `motcua_bench_<random>` on the server, dropped by `drop()`."""

    server: URL
    name: str

    @classmethod
    def create(cls, server_url: str) -> "BenchDatabase":
        """Create a new, empty database on the server named by `server_url`."""
        server = make_url(server_url)
        if server.drivername.split("+")[0] not in ("postgresql", "postgres"):
            raise SystemExit(f"the benchmark needs PostgreSQL, not {server.drivername}")
        server = server.set(drivername="postgresql")
        _check_loopback(server)
        name = f"motcua_bench_{secrets.token_hex(5)}"
        with psycopg.connect(_conninfo(server), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return cls(server=server, name=name)

    @classmethod
    def existing(cls, server_url: str, name: str) -> "BenchDatabase":
        """Return a handle on a database kept by an earlier run (it is not created)."""
        server = make_url(server_url).set(drivername="postgresql")
        _check_loopback(server)
        return cls(server=server, name=name)

    @property
    def url(self) -> str:
        """Return the plain postgresql:// URL of the bench database (what motcua reads)."""
        return _conninfo(self.server.set(database=self.name))

    @property
    def sqlalchemy_url(self) -> str:
        """Return the URL with the psycopg 3 driver, for SQLAlchemy."""
        return self.server.set(drivername="postgresql+psycopg", database=self.name) \
            .render_as_string(hide_password=False)

    def connect(self, **kwargs) -> psycopg.Connection:
        """Open a psycopg connection to the bench database."""
        return psycopg.connect(self.url, **kwargs)

    def drop(self) -> None:
        """Drop the database, closing whatever still holds a connection to it."""
        with psycopg.connect(_conninfo(self.server), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def server_version(self) -> str:
        """Return PostgreSQL's version string."""
        with self.connect() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def size_bytes(self) -> int:
        """Return the database's size on disk."""
        with self.connect() as conn:
            return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]


def _conninfo(url: URL) -> str:
    return url.render_as_string(hide_password=False)
