"""The throw-away PostgreSQL database a benchmark run works in."""

from tests.scratch_database import ScratchDatabase

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class BenchDatabase(ScratchDatabase):
    """A fresh database `motcua_bench_<random>` on the server, dropped by `drop()`."""

    @classmethod
    def create(cls, server_url: str, *, prefix: str = "motcua_bench") -> "BenchDatabase":
        """Create a new, empty database on the server named by `server_url`."""
        return super().create(server_url, prefix=prefix)

    @classmethod
    def existing(cls, server_url: str, name: str) -> "BenchDatabase":
        """Return a handle on a database, or exit saying why the server cannot be used."""
        try:
            return super().existing(server_url, name)
        except ValueError as err:
            raise SystemExit(f"MOTCUA_BENCH_DATABASE_URL: {err}") from None

    def server_version(self) -> str:
        """Return PostgreSQL's version string."""
        with self.connect() as conn:
            return conn.execute("SHOW server_version").fetchone()[0]

    def size_bytes(self) -> int:
        """Return the database's size on disk."""
        with self.connect() as conn:
            return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
