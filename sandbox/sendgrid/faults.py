"""Failures on demand for the next N mail-send requests: 429 with rate-limit headers, 5xx, 403.

A fault may let `after` requests through first, and may `delay` its answer (client timeouts).

SendGrid answers a rate-limited request with 429, `X-RateLimit-Limit`, `X-RateLimit-Remaining`
and `X-RateLimit-Reset` (unix time) and `{"errors":[{"field":null,"message":"too many
requests"}]}` (twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Any

#: Statuses the switch can produce, with SendGrid's message for each.
FAULT_MESSAGES = {
    400: "invalid request",
    403: "access forbidden",
    413: "content too large",
    429: "too many requests",
    500: "internal server error",
    502: "bad gateway",
    503: "service unavailable",
    504: "gateway timeout",
}


@dataclass(frozen=True)
class Fault:
    """What to answer instead of processing a request."""

    status: int
    remaining: int
    reset_in: int = 60
    delay: float = 0.0
    #: Requests to let through normally before the fault starts.
    after: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the control API."""
        return {
            "status": self.status,
            "remaining": self.remaining,
            "reset_in": self.reset_in,
            "delay": self.delay,
            "after": self.after,
        }


class FaultError(ValueError):
    """The control request asked for a fault the switch cannot produce."""


def parse_fault(data: object) -> Fault:
    """A Fault from the control API's JSON, or FaultError naming what is wrong."""
    if not isinstance(data, dict):
        raise FaultError("expected a JSON object")
    status, count = data.get("status"), data.get("count", 1)
    reset_in, delay = data.get("reset_in", 60), data.get("delay", 0)
    after = data.get("after", 0)
    if status is not None and status not in FAULT_MESSAGES:
        raise FaultError(f"status must be one of {sorted(FAULT_MESSAGES)} (or omitted)")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise FaultError("count must be a positive integer")
    for name, value in (("reset_in", reset_in), ("after", after)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise FaultError(f"{name} must be a non-negative integer")
    if not isinstance(delay, int | float) or isinstance(delay, bool) or not 0 <= delay <= 60:
        raise FaultError("delay must be a number of seconds between 0 and 60")
    if status is None and not delay:
        raise FaultError("give a status, a delay, or both")
    return Fault(status or 0, count, reset_in, float(delay), after)


class FaultSwitch:
    """Arms one fault for the next N requests; each request takes one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fault: Fault | None = None

    def arm(self, fault: Fault) -> None:
        """Replace the current fault."""
        with self._lock:
            self._fault = fault

    def disarm(self) -> None:
        """Answer normally again."""
        with self._lock:
            self._fault = None

    def current(self) -> Fault | None:
        """The armed fault, without taking it."""
        with self._lock:
            return self._fault

    def take(self) -> Fault | None:
        """The fault for this request (None: answer normally), counting it down."""
        with self._lock:
            fault = self._fault
            if fault is None:
                return None
            if fault.after:
                self._fault = replace(fault, after=fault.after - 1)
                return None
            left = fault.remaining - 1
            self._fault = replace(fault, remaining=left) if left > 0 else None
            return fault
