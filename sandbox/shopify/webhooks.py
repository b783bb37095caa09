"""Webhook delivery as Shopify does it (research/shopify.md §3), from one background thread.

- Targets: the app-level subscriptions of the app configuration (shopify.app.toml; the only way
  to get the three compliance topics) for installed shops, plus the shop's subscriptions created
  with `webhookSubscriptionCreate`.
- Body: compact JSON; headers X-Shopify-Topic, -Hmac-Sha256 (base64 HMAC-SHA256 of the raw body
  with the app secret), -Shop-Domain, -API-Version, -Webhook-Id (one per delivery, kept across
  its retries), -Event-Id (shared by every delivery of one change), -Triggered-At, -Name.
- A non-2xx answer, a redirect or a timeout (connect 1 s, total 5 s) is a failure; the delivery
  is retried after each of `webhook_retry_delays` (Shopify: 8 retries over 4 h); when the last
  retry fails, a subscription created through the API is deleted (app-level ones never are).
- Test switches: `paused` holds deliveries; `duplicate` sends every delivery twice (same event
  id, new webhook id); `out_of_order` sends the newest due delivery first.
"""

from __future__ import annotations

import heapq
import itertools
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx

from sandbox.shopify.config import COMPLIANCE_TOPICS
from sandbox.shopify.signing import body_hmac
from sandbox.shopify.timestamps import iso_precise

if TYPE_CHECKING:
    from sandbox.shopify.state import Sandbox, Shop

MAX_LOG = 10_000


def topic_enum(topic: str) -> str:
    """REST topic → WebhookSubscriptionTopic value (orders/create → ORDERS_CREATE)."""
    return topic.upper().replace("/", "_")


@dataclass(order=True)
class Delivery:
    """One message to one address, with its retry state."""

    due: float
    seq: int
    topic: str = field(compare=False)
    shop: str = field(compare=False)
    uri: str = field(compare=False)
    body: bytes = field(compare=False)
    event_id: str = field(compare=False)
    webhook_id: str = field(compare=False)
    triggered_at: float = field(compare=False)
    subscription_id: int | None = field(compare=False, default=None)
    name: str | None = field(compare=False, default=None)
    attempts: int = field(compare=False, default=0)


class Target(NamedTuple):
    """Where one topic is delivered, and what its subscription asked to receive."""

    uri: str
    subscription_id: int | None = None
    name: str | None = None
    include_fields: tuple[str, ...] = ()
    metafield_namespaces: tuple[str, ...] = ()


class WebhookDispatcher:
    """Queue + worker thread delivering webhooks with retries."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self._queue: list[Delivery] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._in_flight = 0
        self.paused = False
        self.duplicate = False
        self.out_of_order = False
        self.log: list[dict[str, Any]] = []

    def targets(self, shop: Shop, topic: str) -> list[Target]:
        """Every address of `topic` in `shop`: the app's own (shopify.app.toml) and the API's."""
        found: list[Target] = []
        compliance = topic in COMPLIANCE_TOPICS
        if shop.installed or compliance:
            for app_subscription in self._sandbox.config.subscriptions():
                if topic in app_subscription.topics:
                    found.append(Target(app_subscription.uri))
        if shop.installed and not compliance:
            for sub in shop.subscriptions.values():
                if sub["topic"] == topic_enum(topic):
                    found.append(
                        Target(
                            sub["uri"],
                            sub["id"],
                            sub["name"],
                            tuple(sub["include_fields"]),
                            tuple(sub.get("metafield_namespaces") or ()),
                        )
                    )
        return found

    def emit(
        self,
        shop: Shop,
        topic: str,
        body: dict[str, Any],
        metafields: list[dict[str, Any]] | None = None,
    ) -> str | None:
        """Queue `topic` for every target; returns the event id (None when nobody listens).

        `metafields` are the resource's metafields (REST shape): a subscription that asked for
        `metafieldNamespaces` gets those of its namespaces under "metafields", as Shopify does.
        """
        targets = self.targets(shop, topic)
        if not targets:
            return None
        event_id, now = str(uuid.uuid4()), self._sandbox.now()
        with self._cond:
            for uri, subscription_id, name, include_fields, namespaces in targets:
                payload = (
                    {k: v for k, v in body.items() if k in include_fields}
                    if include_fields
                    else body
                )
                if namespaces and metafields is not None:
                    wanted = [field for field in metafields if field["namespace"] in namespaces]
                    payload = {**payload, "metafields": wanted}
                raw = json.dumps(payload, separators=(",", ":"))
                for _copy in range(2 if self.duplicate else 1):
                    self._push(
                        Delivery(
                            now,
                            next(self._seq),
                            topic,
                            shop.domain,
                            uri,
                            raw.encode(),
                            event_id,
                            str(uuid.uuid4()),
                            now,
                            subscription_id,
                            name,
                        )
                    )
            self._ensure_worker()
            self._cond.notify_all()
        return event_id

    def _push(self, delivery: Delivery) -> None:
        heapq.heappush(self._queue, delivery)

    def _ensure_worker(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="shopify-webhooks", daemon=True)
            self._thread.start()

    def _next_due(self) -> Delivery | None:
        """Pop the delivery to send now (caller holds the condition), or None."""
        if self.paused or not self._queue:
            return None
        now = self._sandbox.now()
        due = [item for item in self._queue if item.due <= now]
        if not due:
            return None
        chosen = max(due, key=lambda d: d.seq) if self.out_of_order else min(due)
        self._queue.remove(chosen)
        heapq.heapify(self._queue)
        return chosen

    def _run(self) -> None:
        with httpx.Client(follow_redirects=False) as client:
            while True:
                with self._cond:
                    delivery = self._next_due()
                    while delivery is None and not self._stopping:
                        self._cond.wait(timeout=self._wait_time())
                        delivery = self._next_due()
                    if self._stopping or delivery is None:
                        return
                    self._in_flight += 1
                try:
                    self._attempt(client, delivery)
                finally:
                    with self._cond:
                        self._in_flight -= 1
                        self._cond.notify_all()

    def _wait_time(self) -> float:
        if self.paused or not self._queue:
            return 1.0
        return max(0.005, min(1.0, min(self._queue).due - self._sandbox.now()))

    def _headers(self, delivery: Delivery) -> dict[str, str]:
        config = self._sandbox.config
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": delivery.topic,
            "X-Shopify-Hmac-Sha256": body_hmac(delivery.body, config.api_secret),
            "X-Shopify-Shop-Domain": delivery.shop,
            "X-Shopify-API-Version": config.api_version,
            "X-Shopify-Webhook-Id": delivery.webhook_id,
            "X-Shopify-Event-Id": delivery.event_id,
            "X-Shopify-Triggered-At": iso_precise(delivery.triggered_at),
        }
        if delivery.name:
            headers["X-Shopify-Name"] = delivery.name
        return headers

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        config = self._sandbox.config
        timeout = httpx.Timeout(config.webhook_timeout, connect=config.webhook_connect_timeout)
        status: int | None = None
        error = None
        try:
            response = client.post(
                delivery.uri,
                content=delivery.body,
                headers=self._headers(delivery),
                timeout=timeout,
            )
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivery.attempts += 1
        ok = status is not None and 200 <= status < 300
        self._record(delivery, status, error, ok)
        if not ok:
            self._after_failure(delivery)

    def _record(self, delivery: Delivery, status: int | None, error: str | None, ok: bool) -> None:
        with self._cond:
            self.log.append(
                {
                    "shop": delivery.shop,
                    "topic": delivery.topic,
                    "uri": delivery.uri,
                    "subscription_id": delivery.subscription_id,
                    "event_id": delivery.event_id,
                    "webhook_id": delivery.webhook_id,
                    "attempt": delivery.attempts,
                    "status": status,
                    "error": error,
                    "ok": ok,
                    "at": self._sandbox.now(),
                }
            )
            del self.log[:-MAX_LOG]

    def _after_failure(self, delivery: Delivery) -> None:
        delays = self._sandbox.config.webhook_retry_delays
        if delivery.attempts <= len(delays):
            delivery.due = self._sandbox.now() + delays[delivery.attempts - 1]
            with self._cond:
                self._push(delivery)
                self._cond.notify_all()
            return
        if delivery.subscription_id is not None:
            with self._sandbox.lock:
                shop = self._sandbox.shop(delivery.shop)
                if shop is not None:
                    shop.subscriptions.pop(delivery.subscription_id, None)

    def pending(self) -> int:
        """Deliveries queued or being sent."""
        with self._cond:
            return len(self._queue) + self._in_flight

    def drain(self, timeout: float) -> bool:
        """Wait until nothing is queued or in flight (retries included); False on timeout."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not self._queue and self._in_flight == 0, timeout=timeout
            )

    def resume(self) -> None:
        """Lift `paused` and wake the worker."""
        with self._cond:
            self.paused = False
            self._cond.notify_all()

    def stop(self) -> None:
        """Stop the worker thread; queued deliveries are dropped."""
        with self._cond:
            self._stopping = True
            self._queue.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
