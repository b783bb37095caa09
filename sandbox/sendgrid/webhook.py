"""Event webhook delivery: batch events, sign each POST, retry failures, from one thread.

Like SendGrid: events are POSTed as one JSON array per batch ("every 30 seconds or when the batch
size reaches 768 kilobytes"; here `batch_interval`/`max_batch`, short by default for tests), the
body ends with CRLF, redirects are not followed, and a non-2xx answer or a network error is
retried at increasing intervals (SendGrid keeps trying for 24 hours; here `retry_delays`). Each
attempt is signed afresh with the current timestamp.

The thread starts with the first event, so building the sandbox app starts nothing.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import httpx

from sandbox.sendgrid.signing import WebhookSigner


@dataclass(frozen=True)
class DeliveryPolicy:
    """How events are batched and retried."""

    batch_interval: float = 0.2
    max_batch: int = 500
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
    timeout: float = 5.0


@dataclass(frozen=True)
class Attempt:
    """One POST of a batch, for the control API's delivery log."""

    batch: int
    at: float
    events: int
    status: int | None
    error: str | None


def encode_batch(events: list[dict[str, Any]]) -> bytes:
    """The body SendGrid posts: a compact JSON array followed by CRLF."""
    return (json.dumps(events, separators=(",", ":")) + "\r\n").encode("utf-8")


class EventDispatcher:
    """Queues events and delivers them, batched and signed, to the configured URL."""

    def __init__(
        self,
        signer: WebhookSigner,
        url: str | None = None,
        policy: DeliveryPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signer = signer
        self.policy = policy or DeliveryPolicy()
        self._url = url
        self._clock = clock
        self._condition = threading.Condition()
        self._pending: deque[dict[str, Any]] = deque()
        self._in_flight = 0
        self._batches = 0
        self._attempts: deque[Attempt] = deque(maxlen=500)
        self._dead: deque[list[dict[str, Any]]] = deque(maxlen=100)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str | None:
        """Where events are posted (None: they wait until a URL is set)."""
        return self._url

    def set_url(self, url: str | None) -> None:
        """Point the webhook somewhere else (or nowhere)."""
        with self._condition:
            self._url = url
            self._condition.notify_all()

    def enqueue(self, events: Iterable[dict[str, Any]]) -> None:
        """Queue events for the next batch."""
        with self._condition:
            self._pending.extend(events)
            self._ensure_thread()
            self._condition.notify_all()

    def flush(self, timeout: float) -> bool:
        """Wait until every queued event was delivered or given up on; False on timeout."""
        with self._condition:
            return self._condition.wait_for(
                lambda: not self._pending and not self._in_flight, timeout=timeout
            )

    def status(self) -> dict[str, Any]:
        """Counts and the recent attempts, for the control API."""
        with self._condition:
            return {
                "url": self._url,
                "pending": len(self._pending),
                "in_flight": self._in_flight,
                "batches": self._batches,
                "dead_batches": [list(batch) for batch in self._dead],
                "attempts": [asdict(attempt) for attempt in self._attempts],
            }

    def forget(self) -> None:
        """Drop queued events, the attempt log and the given-up batches."""
        with self._condition:
            self._pending.clear()
            self._attempts.clear()
            self._dead.clear()

    def close(self) -> None:
        """Stop the delivery thread (events still queued are dropped)."""
        self._stopping.set()
        with self._condition:
            self._condition.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _ensure_thread(self) -> None:
        if self._thread is None and not self._stopping.is_set():
            self._thread = threading.Thread(
                target=self._run, name="sandbox-sendgrid-events", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.policy.timeout, follow_redirects=False) as client:
            while (batch := self._next_batch()) is not None:
                self._deliver(client, batch)

    def _next_batch(self) -> list[dict[str, Any]] | None:
        with self._condition:
            ready = self._condition.wait_for(
                lambda: self._stopping.is_set() or (self._pending and self._url is not None)
            )
            if self._stopping.is_set() or not ready:
                return None
            # Let a burst of events gather into one POST, as SendGrid batches per interval.
            deadline = time.monotonic() + self.policy.batch_interval
            while len(self._pending) < self.policy.max_batch and not self._stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            size = min(len(self._pending), self.policy.max_batch)
            batch = [self._pending.popleft() for _ in range(size)]
            self._in_flight = len(batch)
            self._batches += 1
            return batch

    def _deliver(self, client: httpx.Client, batch: list[dict[str, Any]]) -> None:
        number = self._batches
        for delay in (0.0, *self.policy.retry_delays):
            if delay and self._stopping.wait(delay):
                break
            if self._post(client, batch, number):
                break
        else:
            with self._condition:
                self._dead.append(batch)
        with self._condition:
            self._in_flight = 0
            self._condition.notify_all()

    def _post(self, client: httpx.Client, batch: list[dict[str, Any]], number: int) -> bool:
        url = self._url
        if url is None:
            return False
        body = encode_batch(batch)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "SendGrid Event API",
            **self.signer.headers(body, int(self._clock())),
        }
        status: int | None = None
        error: str | None = None
        try:
            status = client.post(url, content=body, headers=headers).status_code
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        with self._condition:
            self._attempts.append(Attempt(number, self._clock(), len(batch), status, error))
        return status is not None and 200 <= status < 300
