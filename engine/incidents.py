"""Record engine failures so no dossier silently stops moving."""

from datetime import datetime

from sqlalchemy.orm import Session

from engine import audit
from engine.errors import EngineIncident
from engine.models import Dossier, Incident


def record_incident(session: Session, *, dossier: Dossier | None, step: str | None,
                    error: Exception, actor: str, now: datetime) -> EngineIncident:
    """Discard the failed unit of work, store the incident, and return the error to raise.

    The in-memory workflow that raised is never saved: the dossier stays at its last
    committed state, which also heals SpiffWorkflow's lost-timer bugs.
    """
    dossier_id = dossier.id if dossier is not None else None
    code = dossier.code if dossier is not None else None
    session.rollback()
    incident = Incident(dossier_id=dossier_id, step=step, error_type=type(error).__name__,
                        message=str(error)[:4000], occurred_at=now)
    session.add(incident)
    session.flush()
    audit.append(session, [audit.Change(actor=actor, action="incident.recorded",
                                        dossier_code=code,
                                        after={"incident": incident.id, "step": step,
                                               "error": incident.error_type,
                                               "message": incident.message[:500]})], now=now)
    session.commit()
    return EngineIncident(
        f"The workflow engine failed on step '{step}': {incident.message[:300]}. "
        f"Incident {incident.id} was recorded; the dossier is unchanged.",
        incident=incident.id, step=step, error=incident.message[:300],
    )
