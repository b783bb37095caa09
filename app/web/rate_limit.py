"""Fixed-window rate limits in Redis for public endpoints (storefront tracking).

Fails open: when Redis is unreachable the request is let through (and logged), because the
events it protects are low-value and the database still bounds what one request can store.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import redis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """Whether a request may proceed and, if not, when to come back."""

    allowed: bool
    retry_after: int = 0


def hit(client: redis.Redis, key: str, *, limit: int, window: int) -> Verdict:
    """Count one request against `key`: at most `limit` per `window` seconds."""
    now = time.time()
    bucket = int(now // window)
    name = f"ratelimit:{key}:{bucket}"
    try:
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(name)
        pipeline.expire(name, window * 2)
        count = int(pipeline.execute()[0])
    except redis.RedisError as error:
        log.warning("rate limit %s not checked (redis unavailable): %s", key, error)
        return Verdict(allowed=True)
    if count <= limit:
        return Verdict(allowed=True)
    return Verdict(allowed=False, retry_after=max(1, int((bucket + 1) * window - now)))
