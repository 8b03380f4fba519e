"""The collaborators every use case needs, built once per process."""

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.calendar_store import CalendarSource
from engine.deadlines import DeadlineRules
from engine.procedures import stored_decisions, stored_model_xml
from engine.runtime import ProcessRuntime
from engine.specs import ParsedModel
from forms import FormCatalog


@dataclass
class EngineContext:
    """The process runtime, the forms, the calendar, the center's identity and secret key."""

    runtime: ProcessRuntime
    forms: FormCatalog
    calendars: CalendarSource
    agency_code: str
    # Keys the stored PINs; every API host of a deployment must share it.
    secret_key: bytes
    rules: DeadlineRules = field(default_factory=DeadlineRules)
    on_due_changed: list = field(default_factory=list)

    def model(self, session: Session, spec_hash: str) -> ParsedModel:
        """Return the parsed model a dossier runs on."""
        return self.runtime.model(spec_hash, lambda h: (*stored_model_xml(session, h),
                                                        stored_decisions(session, h)))

    def calendar(self, session: Session) -> WorkingCalendar:
        """Return the working calendar in force."""
        return self.calendars.get(session)

    def due_changed(self) -> None:
        """Tell in-process schedulers that something may now fall due sooner."""
        for callback in self.on_due_changed:
            callback()
