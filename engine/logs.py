"""Search append-only logs (the audit trail, reads of personal data) the same way."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session


def log_page(session: Session, row_type, *, equal: dict, since: datetime | None,
             until: datetime | None, page: int, page_size: int) -> list:
    """Return one page of log rows, oldest first, that occurred in [since, until).

    `equal` maps column names to the value they must have; a None value does not narrow.
    """
    conditions = [getattr(row_type, name) == value for name, value in equal.items()
                  if value is not None]
    if since is not None:
        conditions.append(row_type.occurred_at >= since)
    if until is not None:
        conditions.append(row_type.occurred_at < until)
    return list(session.scalars(select(row_type).where(*conditions).order_by(row_type.id)
                                .offset((page - 1) * page_size).limit(page_size)))
