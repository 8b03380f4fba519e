"""The public endpoints' rate limits (lookups, online submissions), in a store all hosts share."""

import redis
from flask import current_app, request

from api.clock import now
from api.error_messages import say
from api.errors import RETRY_AFTER_SECONDS, error_response
from api.extensions import db
from engine.rate_limits import (
    Counters,
    DatabaseCounters,
    Limit,
    RateLimited,
    RedisCounters,
    check_rate,
)

EXTENSION = "motcua_lookup_counters"


def init_app(app) -> None:
    """Connect to Redis when MOTCUA_REDIS_URL is set; else the database counts."""
    url = app.config["MOTCUA_REDIS_URL"]
    app.extensions[EXTENSION] = RedisCounters(redis.Redis.from_url(url)) if url else None
    app.register_error_handler(redis.ConnectionError, _store_unavailable)


def _store_unavailable(err: redis.ConnectionError):
    """Refuse lookups while the counters cannot be reached: no limit, no lookup."""
    current_app.logger.warning("rate-limit store unavailable: %s", err)
    response, status = error_response(
        503, "unavailable", say("unavailable", "rate_limit_store", seconds=RETRY_AFTER_SECONDS))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, status


def counters() -> Counters:
    """Return the store of this application: Redis when configured, else the database."""
    return current_app.extensions[EXTENSION] or DatabaseCounters(db.session)


def count_lookup(code: str) -> None:
    """Count a lookup of `code` by this client; raise RateLimited when either is over its limit.

    The counts are committed even when the lookup then fails: wrong PINs are what is limited.
    """
    config = current_app.config
    window = config["MOTCUA_LOOKUP_WINDOW_SECONDS"]
    store, moment = counters(), now()
    try:
        check_rate(store, Limit("client", config["MOTCUA_LOOKUP_LIMIT_PER_CLIENT"], window),
                   request.remote_addr or "unknown", now=moment)
        check_rate(store, Limit("dossier", config["MOTCUA_LOOKUP_LIMIT_PER_DOSSIER"],
                                window), code, now=moment)
    except RateLimited:
        db.session.commit()  # the refused lookup counts too
        raise
    db.session.commit()


def count_submission() -> None:
    """Count an online submission by this client; raise RateLimited past the client's limit.

    The count is committed whether the submission then succeeds or not.
    """
    config = current_app.config
    hits, window = (config["MOTCUA_SUBMISSION_LIMIT_PER_CLIENT"],
                    config["MOTCUA_SUBMISSION_WINDOW_SECONDS"])
    try:
        check_rate(counters(), Limit("submitting client", hits, window),
                   request.remote_addr or "unknown", now=now())
    except RateLimited as err:
        db.session.commit()  # the refused submission counts too
        raise RateLimited(f"Too many online submissions from this client: at most {hits} in "
                          f"{window} seconds", reason="submissions", limit=hits,
                          window_seconds=window,
                          retry_after_seconds=err.details["retry_after_seconds"]) from None
    db.session.commit()
