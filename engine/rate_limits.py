"""Count requests in fixed windows, in a store every API host shares, and refuse past a limit."""

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete
from sqlalchemy.orm import Session

from engine.errors import DomainError, Kind
from engine.models import RateLimitCounter
from engine.sql import insert_for

REDIS_PREFIX = "motcua:rate:"


class RateLimited(DomainError):
    """Too many requests in this window; `retry_after_seconds` says when the next one counts."""

    kind = Kind.TOO_MANY
    code = "too_many_requests"


@dataclass(frozen=True)
class Limit:
    """At most `hits` requests of one subject (a client, a dossier) in each window."""

    subject: str
    hits: int
    window_seconds: int


class Counters(Protocol):
    """A store of counters shared by every API host."""

    def hit(self, key: str, *, expires_at: datetime, now: datetime) -> int:
        """Count one request under `key` and return how many the key has counted."""


class DatabaseCounters:
    """Counters in the rate_limit_counters table: one upsert per request, in the caller's unit."""

    def __init__(self, session: Session):
        self.session = session

    def hit(self, key: str, *, expires_at: datetime, now: datetime) -> int:
        """Count one request with an upsert; a key's first hit also purges expired windows."""
        stmt = insert_for(self.session, RateLimitCounter).values(key=key, hits=1,
                                                                 expires_at=expires_at)
        stmt = stmt.on_conflict_do_update(
            index_elements=[RateLimitCounter.key], set_={"hits": RateLimitCounter.hits + 1}
        ).returning(RateLimitCounter.hits)
        hits = self.session.execute(stmt).scalar_one()
        if hits == 1:
            self.session.execute(delete(RateLimitCounter)
                                 .where(RateLimitCounter.expires_at <= now))
        return hits


class RedisCounters:
    """Counters in Redis, each expiring with its window."""

    def __init__(self, client):
        self.client = client

    def hit(self, key: str, *, expires_at: datetime, now: datetime) -> int:
        """Count one request; the key is created with its expiry, then incremented."""
        ttl = max(1, math.ceil((expires_at - now).total_seconds()))
        pipe = self.client.pipeline(transaction=True)
        pipe.set(REDIS_PREFIX + key, 0, ex=ttl, nx=True)
        pipe.incr(REDIS_PREFIX + key)
        return int(pipe.execute()[1])


def check_rate(counters: Counters, limit: Limit, subject: str, *, now: datetime) -> None:
    """Count a request of `subject`; raise RateLimited once it is over the limit in this window."""
    window = int(now.timestamp()) // limit.window_seconds
    window_end = datetime.fromtimestamp((window + 1) * limit.window_seconds, tz=now.tzinfo)
    # Hashed, so that whatever a client puts in a URL makes a key of the same short length.
    digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    hits = counters.hit(f"{limit.subject}:{digest}:{window}", expires_at=window_end, now=now)
    if hits > limit.hits:
        retry_after = max(1, math.ceil((window_end - now) / timedelta(seconds=1)))
        raise RateLimited(
            f"Too many lookups for this {limit.subject}: at most {limit.hits} in "
            f"{limit.window_seconds} seconds; retry in {retry_after} seconds.",
            retry_after_seconds=retry_after)
