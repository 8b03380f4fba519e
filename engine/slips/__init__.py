"""Printable slips (PDF): the official forms a dossier's life calls for, each in its module.

Every form is a `SlipForm` (engine.slips.forms): the facts it needs are gathered first, so a
form that does not apply to the dossier is refused before anything is drawn, then written on
the shared page (engine.slips.layout). Adding a form is one more module and one more entry in
`FORMS`.
"""

from datetime import datetime

from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.codes import pin_matches
from engine.dossiers import get_dossier_or_raise
from engine.errors import InvalidInput, NotFound, SlipNotApplicable
from engine.models import User
from engine.procedures import get_procedure_or_raise
from engine.slips import (
    apology,
    control_sheet,
    fee_receipt,
    receipt,
    refusal,
    stop,
    supplement,
)
from engine.slips.forms import Slip, SlipFacts, SlipForm
from engine.slips.layout import Center, SlipPage

__all__ = ["FORMS", "Center", "Slip", "SlipForm", "printable_forms", "slip"]

# URL names of the forms, in the order of their official numbers; the fee receipt last.
FORMS: dict[str, SlipForm] = {
    "receipt": receipt.FORM,
    "supplement": supplement.FORM,
    "refusal": refusal.FORM,
    "apology": apology.FORM,
    "stop": stop.FORM,
    "control-sheet": control_sheet.FORM,
    "fee-receipt": fee_receipt.FORM,
}


def _facts(session: Session, *, code: str, user: User, center: Center,
           calendar: WorkingCalendar, now: datetime, pin: str | None = None) -> SlipFacts:
    """Return what the forms read of a dossier the user may see."""
    dossier = get_dossier_or_raise(session, code, user=user)
    return SlipFacts(session=session, dossier=dossier,
                     procedure=get_procedure_or_raise(session, dossier.procedure_code),
                     user=user, center=center, calendar=calendar, now=now, pin=pin)


def slip(session: Session, *, form: str, code: str, user: User, center: Center,
         calendar: WorkingCalendar, now: datetime, pin: str | None = None,
         secret_key: bytes = b"") -> Slip:
    """Return the PDF of one form for a dossier the user may see, dated `now`.

    `pin` is printed on the receipt when the caller has it (it is stored only hashed, keyed
    by `secret_key`, and a PIN that is not the dossier's is refused); the QR code carries the
    lookup link with the dossier code, never the PIN.
    """
    chosen = FORMS.get(form)
    if chosen is None:
        raise NotFound(f"no slip '{form}'; the slips are {', '.join(FORMS)}", form=form,
                       forms=", ".join(FORMS), reason="unknown_slip")
    facts = _facts(session, code=code, user=user, center=center, calendar=calendar, now=now,
                   pin=pin)
    if pin is not None and not pin_matches(facts.dossier.code, pin, facts.dossier.pin_hash,
                                           secret_key=secret_key):
        raise InvalidInput(f"the PIN is not dossier {code}'s", field="pin",
                           reason="pin_mismatch", dossier=code)
    content = chosen.gather(facts)
    page = SlipPage(center, number=chosen.number, title=chosen.title, code=code, now=now)
    chosen.write(page, facts, content)
    return Slip(filename=f"{form}-{code}.pdf", content=page.output())


def printable_forms(session: Session, *, code: str, user: User, center: Center,
                    calendar: WorkingCalendar, now: datetime) -> dict[str, SlipForm]:
    """Return the forms the dossier's state calls for, by URL name, in their official order."""
    facts = _facts(session, code=code, user=user, center=center, calendar=calendar, now=now)
    printable = {}
    for name, form in FORMS.items():
        try:
            form.gather(facts)
        except SlipNotApplicable:
            continue
        printable[name] = form
    return printable
