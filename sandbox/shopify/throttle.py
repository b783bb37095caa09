"""The GraphQL Admin API leaky bucket, one per shop (the sandbox hosts one app).

Shopify (research §5): requested cost is reserved before execution, the difference to the actual
cost is refunded after; the bucket refills at `restoreRate` points per second up to
`maximumAvailable`. A request whose requested cost exceeds what is available is THROTTLED.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class LeakyBucket:
    """Points available for one shop + app."""

    size: float
    rate: float
    available: float
    updated_at: float

    def level(self, now: float) -> float:
        """Refill for the time elapsed and return the points available now."""
        elapsed = max(0.0, now - self.updated_at)
        self.available = min(self.size, self.available + elapsed * self.rate)
        self.updated_at = now
        return self.available

    def try_take(self, cost: float, now: float) -> bool:
        """Reserve `cost` points if available; False (nothing taken) when throttled."""
        if cost > self.level(now):
            return False
        self.available -= cost
        return True

    def refund(self, points: float, now: float) -> None:
        """Give back points reserved but not used."""
        self.level(now)
        self.available = min(self.size, self.available + max(0.0, points))

    def reconfigure(self, size: float, rate: float, now: float) -> None:
        """New size and restore rate (from the control API); the level is capped to the size."""
        self.level(now)
        self.size, self.rate = size, rate
        self.available = min(self.available, size)

    def status(self, now: float) -> dict[str, Any]:
        """`throttleStatus` as Shopify reports it."""
        return {
            "maximumAvailable": float(self.size),
            "currentlyAvailable": int(self.level(now)),
            "restoreRate": float(self.rate),
        }
