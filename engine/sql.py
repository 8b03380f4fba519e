"""Dialect-specific SQL that SQLAlchemy's core does not abstract."""

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, table):
    """Return an INSERT with ON CONFLICT support for the session's database."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database '{dialect}': use SQLite or PostgreSQL")
