"""Staff reads of citizens' personal data: recorded per dossier and view, searched later."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert
from sqlalchemy.orm import Session

from engine.access import check_can_read_personal_data_reads
from engine.logs import log_page
from engine.models import PersonalDataRead, User


class View(StrEnum):
    """Which answer showed the applicant's name, ID number or form data."""

    LIST = "list"
    DETAIL = "detail"
    HISTORY = "history"
    APOLOGY = "apology"
    SLIP = "slip"


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
    return log_page(session, PersonalDataRead,
                    equal={"dossier_code": dossier_code, "actor": actor},
                    since=since, until=until, page=page, page_size=page_size)
