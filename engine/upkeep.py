"""The worker's pass: fire what is due, forget expired receipt keys, seal, roll up steps."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.audit import seal
from engine.context import EngineContext
from engine.due import fire_all_due
from engine.idempotency import purge_expired
from engine.step_rollups import roll_up_completed_steps


@dataclass(frozen=True)
class Upkeep:
    """What one pass did, and whether rollups or seals were left for the next one."""

    fired: int
    keys_purged: int
    rolled: int
    sealed: int
    more: bool


def upkeep(session: Session, ctx: EngineContext, *, now: datetime, zone: ZoneInfo,
           max_batches: int | None = None) -> Upkeep:
    """Fire what is due at `now`, forget expired receipt keys, roll up and seal.

    Rolling up and sealing do at most `max_batches` each; receipt keys expire after 24 hours.
    """
    fired = fire_all_due(session, ctx, now=now)
    purged = purge_expired(session, now=now)
    return Upkeep(fired, purged, *catch_up(session, zone=zone, max_batches=max_batches))


def catch_up(session: Session, *, zone: ZoneInfo, max_batches: int | None = None
             ) -> tuple[int, int, bool]:
    """Roll up completed steps and seal written events: how many of each, and whether more wait."""
    rolled, more_rolls = roll_up_completed_steps(session, zone=zone, max_batches=max_batches)
    sealed, more_seals = seal(session, max_batches=max_batches)
    return rolled, sealed, more_rolls or more_seals
