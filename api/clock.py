"""The edge where the API reads the clock; use cases take `now` as a parameter."""

from datetime import UTC, datetime


def now() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(UTC)
