"""Form 05: the stop notice (Phiếu dừng xử lý hồ sơ).

Stopping and withdrawing dossiers is not recorded yet, so no dossier is stopped and the form
is always refused; the module that writes it replaces this one.
"""

from engine.errors import SlipNotApplicable
from engine.slips.forms import SlipFacts, SlipForm
from engine.slips.layout import SlipPage


def _gather(facts: SlipFacts) -> None:
    raise SlipNotApplicable(f"dossier {facts.dossier.code}: the dossier is not stopped",
                            dossier=facts.dossier.code, reason="not_stopped")


def _write(page: SlipPage, facts: SlipFacts, content: None) -> None:
    raise AssertionError("no dossier reaches Form 05 before stops are recorded")


FORM = SlipForm(number="05", name="Phiếu dừng xử lý hồ sơ", gather=_gather, write=_write)
