"""Engine failures as incidents, so no dossier silently stops moving."""

from datetime import datetime

from engine import audit
from engine.errors import EngineIncident
from engine.models import Incident


def incident(*, dossier_id: int | None, step: str | None, error: Exception,
             now: datetime) -> Incident:
    """Return the row that records the engine failing on a dossier's step."""
    return Incident(dossier_id=dossier_id, step=step, error_type=type(error).__name__,
                    message=str(error)[:4000], occurred_at=now)


def recorded(row: Incident, *, dossier_code: str | None, actor: str) -> audit.Change:
    """Return the audit event of a stored incident."""
    return audit.Change(actor=actor, action="incident.recorded", dossier_code=dossier_code,
                        after={"incident": row.id, "step": row.step, "error": row.error_type,
                               "message": row.message[:500]})


def refusal(row: Incident) -> EngineIncident:
    """Return the error that tells the caller the dossier was left unchanged."""
    return EngineIncident(
        f"The workflow engine failed on step '{row.step}': {row.message[:300]}. "
        f"Incident {row.id} was recorded; the dossier is unchanged.",
        incident=row.id, step=row.step, error=row.message[:300],
    )
