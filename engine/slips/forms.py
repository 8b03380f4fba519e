"""What a slip form is, and the dossier facts every form reads."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.models import Dossier, Procedure, User
from engine.slips.layout import Center, SlipPage


@dataclass(frozen=True)
class SlipFacts:
    """The dossier a slip is printed for, who prints it, and when."""

    session: Session
    dossier: Dossier
    procedure: Procedure
    user: User
    center: Center
    calendar: WorkingCalendar
    now: datetime
    pin: str | None

    def applicant(self, key: str) -> str:
        """Return one of the applicant's details as given at receipt, or a dash."""
        return str(self.dossier.applicant.get(key) or "—")


@dataclass(frozen=True)
class SlipForm:
    """One official form: its number and name, what it gathers, and how it is written.

    `gather` raises SlipNotApplicable when the dossier's state does not call for the form;
    `write` puts the body on the page, under the shared heading.
    """

    number: str
    name: str
    gather: Callable[[SlipFacts], Any]
    write: Callable[[SlipPage, SlipFacts, Any], None]

    @property
    def title(self) -> str:
        """Return the name as the form's title prints it, in capitals."""
        return self.name.upper()


@dataclass(frozen=True)
class Slip:
    """A printed slip: its file name and its PDF."""

    filename: str
    content: bytes


def applicant_fields(page: SlipPage, facts: SlipFacts, *, named: bool = True) -> None:
    """Write the applicant and procedure lines the forms open with; the name unless not `named`."""
    if named:
        page.field("Ông/Bà", facts.applicant("full_name"))
    page.field("Số định danh cá nhân", facts.applicant("id_number"))
    page.field("Thủ tục", f"{facts.procedure.name_vi} ({facts.procedure.code})")


def received_by(facts: SlipFacts) -> str:
    """Return the display name of the officer who received the dossier."""
    officer = facts.session.get(User, facts.dossier.received_by) if facts.dossier.received_by \
        else None
    return officer.display_name if officer is not None else "—"
