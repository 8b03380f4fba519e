"""Staff reads of citizens' personal data: recorded per dossier and view, searched later."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.access import check_can_read_personal_data_reads
from engine.models import PersonalDataRead, User


class View(StrEnum):
    """Which answer showed the applicant's name, ID number or form data."""

    LIST = "list"
    DETAIL = "detail"
    HISTORY = "history"
    APOLOGY = "apology"


def record_reads(session: Session, *, user: User, dossier_codes: list[str], view: View,
                 now: datetime) -> None:
    """Record that the user read these dossiers' personal data, with one INSERT, and commit."""
    if dossier_codes:
        session.execute(insert(PersonalDataRead.__table__), [
            {"occurred_at": now, "actor": user.username, "dossier_code": code,
             "view": view.value} for code in dossier_codes])
    session.commit()


def search_reads(session: Session, *, user: User, dossier_code: str | None = None,
                 actor: str | None = None, since: datetime | None = None,
                 until: datetime | None = None, page: int, page_size: int
                 ) -> list[PersonalDataRead]:
    """Return one page of reads, oldest first, that occurred in [since, until)."""
    check_can_read_personal_data_reads(user)
    conditions = []
    if dossier_code is not None:
        conditions.append(PersonalDataRead.dossier_code == dossier_code)
    if actor is not None:
        conditions.append(PersonalDataRead.actor == actor)
    if since is not None:
        conditions.append(PersonalDataRead.occurred_at >= since)
    if until is not None:
        conditions.append(PersonalDataRead.occurred_at < until)
    return list(session.scalars(select(PersonalDataRead).where(*conditions)
                                .order_by(PersonalDataRead.id)
                                .offset((page - 1) * page_size).limit(page_size)))
