"""Cost-based pacing for the GraphQL Admin API's leaky bucket.

Every answer reports `extensions.cost.throttleStatus` {maximumAvailable, currentlyAvailable,
restoreRate} and the `requestedQueryCost` of the query
(https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits). Before the next request the
pacer projects how full the bucket is now and, when the query's last requested cost would not
fit, sleeps until it does, so a long sync slows down instead of being throttled.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Sleep = Callable[[float], None]
Monotonic = Callable[[], float]


@dataclass
class BucketState:
    """The bucket as last reported, and when."""

    available: float
    maximum: float
    restore_rate: float
    observed_at: float


def throttle_status(extensions: Mapping[str, Any] | None) -> tuple[float, BucketState | None]:
    """(requested cost, bucket state) from a response's `extensions`, when it reports them."""
    cost = (extensions or {}).get("cost")
    if not isinstance(cost, Mapping):
        return 0.0, None
    requested = float(cost.get("requestedQueryCost") or 0)
    status = cost.get("throttleStatus")
    if not isinstance(status, Mapping):
        return requested, None
    try:
        state = BucketState(
            available=float(status["currentlyAvailable"]),
            maximum=float(status["maximumAvailable"]),
            restore_rate=float(status["restoreRate"]),
            observed_at=0.0,
        )
    except (KeyError, TypeError, ValueError):
        return requested, None
    return requested, state


class CostPacer:
    """Waits before a request until the bucket holds what the query is expected to cost."""

    def __init__(self, sleep: Sleep = time.sleep, monotonic: Monotonic = time.monotonic):
        self._sleep = sleep
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._bucket: BucketState | None = None
        self._expected: dict[str, float] = {}
        #: Seconds spent waiting, for logs and tests.
        self.waited = 0.0

    def delay_before(self, operation: str) -> float:
        """Seconds to wait before `operation` so its expected cost fits (0 when it does)."""
        return self.delay_for(self._expected.get(operation, 0.0))

    def wait(self, seconds: float) -> None:
        """Sleep `seconds` (and count them)."""
        if seconds > 0:
            self._sleep(seconds)
            self.waited += seconds

    def delay_for(self, cost: float) -> float:
        """Seconds until `cost` points are projected to be available (0 when they are)."""
        with self._lock:
            bucket = self._bucket
            if bucket is None or cost <= 0 or bucket.restore_rate <= 0:
                return 0.0
            elapsed = self._monotonic() - bucket.observed_at
            projected = min(bucket.maximum, bucket.available + elapsed * bucket.restore_rate)
            target = min(cost, bucket.maximum)
            return max(0.0, (target - projected) / bucket.restore_rate)

    def observe(self, operation: str, extensions: Mapping[str, Any] | None) -> None:
        """Remember the bucket level and the operation's requested cost from an answer."""
        requested, state = throttle_status(extensions)
        with self._lock:
            if requested:
                self._expected[operation] = requested
            if state is not None:
                state.observed_at = self._monotonic()
                self._bucket = state

    def wait_after_throttle(self, extensions: Mapping[str, Any] | None) -> float:
        """Seconds to wait after a THROTTLED answer: until the refused cost fits (≥ 0.5 s)."""
        requested, state = throttle_status(extensions)
        if state is None or state.restore_rate <= 0:
            return 1.0
        missing = max(0.0, min(requested, state.maximum) - state.available)
        return max(0.5, missing / state.restore_rate)
