"""Webhook delivery: the creation ping and signed deliveries from a background thread.

`WC_Webhook::deliver_ping` posts the form body `webhook_id=<id>` with no `X-WC-Webhook-*`
headers; only HTTP 200 clears `pending_delivery`. `WC_Webhook::deliver` posts the REST body of
the resource, built when the delivery runs, signed with base64 HMAC-SHA256 of the raw body.
A 2xx, 301 or 302 resets the failure count; anything else (or no answer) counts a failure, and
once the count is above `woocommerce_max_webhook_delivery_failures` (5) the next failure
disables the webhook: the 7th consecutive failure. A failed delivery is never retried. Saving
the webhook afterwards re-sends the ping while `pending_delivery` is still set, as the data
store's `update()` does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx

from sandbox.woocommerce.config import WC_VERSION, WP_VERSION
from sandbox.woocommerce.dates import gmt_string, utc_now
from sandbox.woocommerce.payloads import php_json, rest_body
from sandbox.woocommerce.state import Record, Sandbox, Store
from sandbox.woocommerce.webhooks import resource_and_event

USER_AGENT = f"WooCommerce/{WC_VERSION} Hookshot (WordPress/{WP_VERSION})"
DELIVERY_LOG_LIMIT = 2000


# `wp_specialchars_decode( $secret, ENT_QUOTES )` decodes only these entities.
_SPECIALCHARS = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#039;", "'"), ("&#39;", "'"))


def signature(body: bytes, secret: str) -> str:
    """`WC_Webhook::generate_signature`: base64 HMAC-SHA256 of the raw body."""
    key = secret
    for entity, char in _SPECIALCHARS:
        key = key.replace(entity, char)
    key = key.replace("&amp;", "&")
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


@dataclass
class Job:
    """One queued delivery (an Action Scheduler `woocommerce_deliver_webhook_async` action)."""

    store: str
    webhook_id: int
    resource_id: int
    due: float


class Deliverer:
    """Queues deliveries when hooks fire and sends them from one daemon thread."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.sandbox: Sandbox | None = None
        self._jobs: deque[Job] = deque()
        self._pending: set[tuple[str, int, int]] = set()
        self._busy = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def emit(self, store: Store, resource: str, event: str, resource_id: int) -> None:
        """A hook fired (state lock held): queue a delivery for each active matching webhook."""
        topic = f"{resource}.{event}"
        for webhook in store.webhooks.values():
            if webhook["status"] != "active" or webhook["topic"] != topic:
                continue
            key = (store.slug, webhook["id"], resource_id)
            with self._cond:
                if store.settings.coalesce_updates and key in self._pending:
                    continue
                self._pending.add(key)
                due = time.monotonic() + store.settings.delivery_delay
                self._jobs.append(Job(store.slug, webhook["id"], resource_id, due))
                self._ensure_thread()
                self._cond.notify_all()

    def drain(self, timeout: float) -> bool:
        """Wait until every queued delivery has been sent; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def stop(self) -> None:
        """Stop the thread (queued deliveries are dropped)."""
        with self._cond:
            self._stopped = True
            self._jobs.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _ensure_thread(self) -> None:
        if self._thread is None and not self._stopped:
            self._thread = threading.Thread(target=self._run, name="woo-webhooks", daemon=True)
            self._thread.start()

    def _next_job(self) -> Job | None:
        with self._cond:
            while not self._stopped:
                if self._jobs and self._jobs[0].due <= time.monotonic():
                    job = self._jobs.popleft()
                    self._pending.discard((job.store, job.webhook_id, job.resource_id))
                    self._busy += 1
                    return job
                wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                self._cond.wait(wait)
            return None

    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._deliver(job)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _deliver(self, job: Job) -> None:
        assert self.sandbox is not None  # noqa: S101 - wired by create_app
        with self.sandbox.lock:
            store = self.sandbox.stores.get(job.store)
            webhook = store.webhooks.get(job.webhook_id) if store else None
            if store is None or webhook is None:
                return
            request = build_delivery(store, webhook, job.resource_id)
            simulated = store.fail_next_deliveries > 0
            if simulated:
                store.fail_next_deliveries -= 1
        if simulated:
            outcome: tuple[int | None, str] = (None, "simulated failure (fail_next_deliveries)")
        else:
            outcome = post(request["url"], request["body"], request["headers"], self.timeout)
        with self.sandbox.lock:
            finish_delivery(store, webhook, request, outcome)
            ping_again = webhook["status"] == "active" and webhook["pending_delivery"]
        if ping_again:
            deliver_ping(self.sandbox, store, webhook, self.timeout)


def build_delivery(store: Store, webhook: Record, resource_id: int) -> Record:
    """URL, headers and raw body of one delivery (`WC_Webhook::deliver`)."""
    resource, event = resource_and_event(webhook["topic"])
    payload: Any = (
        {"id": resource_id} if event == "deleted" else rest_body(store, resource, resource_id)
    )
    body = php_json(payload).strip()
    delivery_id = hmac.new(
        store.secret.encode(), f"{webhook['id']}{int(time.time())}".encode(), hashlib.md5
    ).hexdigest()
    headers = {
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
        "X-WC-Webhook-Source": f"{store.home_url}/",
        "X-WC-Webhook-Topic": webhook["topic"],
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": signature(body, webhook["secret"]),
        "X-WC-Webhook-ID": str(webhook["id"]),
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }
    return {
        "url": webhook["delivery_url"],
        "headers": headers,
        "body": body,
        "resource_id": resource_id,
    }


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """POST without following redirects; (status, "") or (None, the transport error)."""
    try:
        response = httpx.post(
            url, content=body, headers=headers, timeout=timeout, follow_redirects=False
        )
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"
    return response.status_code, ""


def finish_delivery(
    store: Store, webhook: Record, request: Record, outcome: tuple[int | None, str]
) -> None:
    """Log the delivery and count success or failure (`log_delivery`, `failed_delivery`)."""
    status, error = outcome
    success = status is not None and 200 <= status < 303
    if success:
        webhook["failure_count"] = 0
    elif webhook["failure_count"] > store.settings.max_delivery_failures:
        webhook["status"] = "disabled"
    else:
        webhook["failure_count"] += 1
    webhook["date_modified"] = utc_now()
    _log(
        store,
        {
            "kind": "delivery",
            "webhook_id": webhook["id"],
            "topic": webhook["topic"],
            "resource_id": request["resource_id"],
            "url": request["url"],
            "headers": request["headers"],
            "body": request["body"].decode(),
            "status_code": status,
            "error": error,
            "success": success,
        },
    )


def deliver_ping(sandbox: Sandbox, store: Store, webhook: Record, timeout: float) -> bool:
    """Send the unsigned `webhook_id=<id>` ping (no state lock held); True on HTTP 200."""
    with sandbox.lock:
        url, webhook_id = webhook["delivery_url"], webhook["id"]
    body = f"webhook_id={webhook_id}".encode()
    headers = {
        "User-Agent": USER_AGENT,
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
    }
    status, error = post(url, body, headers, timeout)
    if status is not None and status != 200:
        error = f"Error: Delivery URL returned response code: {status}"
    elif status is None:
        error = f"Error: Delivery URL cannot be reached: {error}"
    with sandbox.lock:
        if status == 200:
            webhook["pending_delivery"] = False
            webhook["date_modified"] = utc_now()
        _log(
            store,
            {
                "kind": "ping",
                "webhook_id": webhook_id,
                "topic": webhook["topic"],
                "resource_id": None,
                "url": url,
                "headers": headers,
                "body": body.decode(),
                "status_code": status,
                "error": error if status != 200 else "",
                "success": status == 200,
            },
        )
    return status == 200


def _log(store: Store, entry: Record) -> None:
    store.deliveries.append({**entry, "at": gmt_string(utc_now())})
    del store.deliveries[:-DELIVERY_LOG_LIMIT]
