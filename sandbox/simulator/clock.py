"""The simulated clock: real time, or a history replayed fast until it meets real time.

`SimClock(fast_forward_hours=26, speed=600)` starts 26 hours in the past and runs 600 times
faster than real time until it catches up with the real clock; from then on it is the real
clock. It never runs ahead of real time: the sandboxes and the app may refuse or mistrust
timestamps in the future, and the app schedules against the real clock.

What a simulated timestamp reaches is listed in sandbox/simulator/README.md ("Time").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime


class SimClock:
    """Simulated epoch seconds; thread-safe (it only reads the real clock)."""

    def __init__(
        self,
        *,
        fast_forward_hours: float = 0.0,
        speed: float = 1.0,
        real: Callable[[], float] = time.time,
    ) -> None:
        if fast_forward_hours < 0 or speed < 1:
            raise ValueError("fast_forward_hours must be >= 0 and speed >= 1")
        self._real = real
        self._origin = real()
        #: Simulated time at the start of the run.
        self.start = self._origin - fast_forward_hours * 3600
        self.speed = speed

    @property
    def shifting(self) -> bool:
        """True while simulated time is still behind real time."""
        return self.now() < self._real()

    def now(self) -> float:
        """Simulated epoch seconds (never ahead of real time)."""
        real = self._real()
        return min(self.start + (real - self._origin) * self.speed, real)

    def now_datetime(self) -> datetime:
        """`now()` as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), UTC)

    def real_seconds_until(self, simulated: float) -> float:
        """Real seconds until `now()` reaches `simulated` (0 when it already has)."""
        real = self._real()
        current = self.now()
        if simulated <= current:
            return 0.0
        gap = self._origin - self.start  # how far behind the run started
        caught_up_at = self._origin + gap / (self.speed - 1) if self.speed > 1 else real
        if self.speed > 1 and simulated <= caught_up_at:
            return (simulated - self.start) / self.speed - (real - self._origin)
        return simulated - real

    def wait_until(self, simulated: float, stop: threading.Event, step: float = 0.5) -> bool:
        """Sleep until `now()` reaches `simulated`; False if `stop` was set first."""
        while not stop.is_set():
            delay = self.real_seconds_until(simulated)
            if delay <= 0:
                return True
            stop.wait(min(delay, step))
        return False


def iso(timestamp: float) -> str:
    """UTC ISO 8601 with a Z, whole seconds (what the sandboxes accept for created_at)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(timestamp: float) -> str:
    """UTC ISO 8601 with milliseconds and a Z (Web Pixel event timestamps)."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
