"""The collaborators every use case needs, built once per process."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from engine.procedures import stored_model_xml
from engine.runtime import ProcessRuntime
from engine.specs import ParsedModel
from forms import FormCatalog


@dataclass
class EngineContext:
    """The process runtime, the forms and the center's identity."""

    runtime: ProcessRuntime
    forms: FormCatalog
    agency_code: str

    def model(self, session: Session, spec_hash: str) -> ParsedModel:
        """Return the parsed model a dossier runs on."""
        return self.runtime.model(spec_hash, lambda h: stored_model_xml(session, h))
