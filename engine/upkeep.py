"""The worker's pass over the center: fire what is due, seal the audit trail, roll up steps."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.audit import seal
from engine.context import EngineContext
from engine.due import fire_all_due
from engine.step_rollups import roll_up_completed_steps


@dataclass(frozen=True)
class Upkeep:
    """What one pass did, and whether rollups or seals were left for the next one."""

    fired: int
    rolled: int
    sealed: int
    more: bool


def upkeep(session: Session, ctx: EngineContext, *, now: datetime, zone: ZoneInfo,
           max_batches: int | None = None) -> Upkeep:
    """Fire every dossier due at `now`, then roll up and seal at most `max_batches` each."""
    fired = fire_all_due(session, ctx, now=now)
    return Upkeep(fired, *catch_up(session, zone=zone, max_batches=max_batches))


def catch_up(session: Session, *, zone: ZoneInfo, max_batches: int | None = None
             ) -> tuple[int, int, bool]:
    """Roll up completed steps and seal written events: how many of each, and whether more wait."""
    rolled, more_rolls = roll_up_completed_steps(session, zone=zone, max_batches=max_batches)
    sealed, more_seals = seal(session, max_batches=max_batches)
    return rolled, sealed, more_rolls or more_seals
