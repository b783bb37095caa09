"""Unique codes in bulk through the real connectors, over HTTP, against the sandbox stores.

Shopify: `ShopifyConnector.issue_codes` for CODES codes under the sandbox's default throttle
(bucket 2,000 points, 100 restored a second) and its default asynchronous bulk jobs; the
target is ≤ 45 Admin API calls (one parent, 40 `discountRedeemCodeBulkAdd` of 250, and what it
takes to learn they are done). WooCommerce: `WooCommerceConnector.issue_codes` through
`coupons/batch` (≤ 100 a call); target ≤ 100 calls. Requests are counted at the sandbox, by a
WSGI wrapper around it (control calls excluded), so nothing the connector does escapes the
count. The baseline is one request of each kind timed alone: the cost of the HTTP round trip
that no batching can avoid.

Size: BENCH_CODES (default 10,000).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from app.core.values import CodeRequest, DiscountSpec
from connectors.shopify import connect_store
from connectors.shopify.tokens import OfflineToken
from connectors.woocommerce.client import WooClient
from connectors.woocommerce.connector import WooCommerceConnector
from sandbox.serving import ServerThread
from sandbox.shopify import create_app as create_shopify_app
from sandbox.woocommerce import create_app as create_woo_app

API_KEY, API_SECRET = "bench-client-id", "bench-client-secret-0123456789abcdef0123"
API_VERSION = "2026-07"
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105 - a grant type name
OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token"  # noqa: S105
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105


class CountingApp:
    """Counts the requests a WSGI app serves, by "METHOD /path", except its control API."""

    def __init__(self, app: Callable[..., Iterable[bytes]], control_prefix: str) -> None:
        self.app = app
        self.control_prefix = control_prefix
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(self.control_prefix):
            with self._lock:
                self.counts[f"{environ.get('REQUEST_METHOD')} {path}"] += 1
        return self.app(environ, start_response)

    def reset(self) -> None:
        """Forget what was counted."""
        with self._lock:
            self.counts.clear()


class MemoryVault:
    """A CredentialVault in memory (the benchmark's only store)."""

    def __init__(self, credentials: Mapping[str, Any]) -> None:
        self._credentials = dict(credentials)

    def load(self) -> Mapping[str, Any]:
        """The credentials."""
        return dict(self._credentials)

    def save(self, credentials: Mapping[str, Any]) -> None:
        """Replace them."""
        self._credentials = dict(credentials)

    def lock(self) -> AbstractContextManager[None]:
        """No other process shares this vault."""
        return nullcontext()

    def mark_revoked(self, reason: str) -> None:
        """Not expected in a benchmark."""
        raise RuntimeError(f"credentials revoked: {reason}")


def _spec(now: datetime) -> DiscountSpec:
    return DiscountSpec(
        kind="percentage",
        value=Decimal("10"),
        title="Nudge: Abandoned cart (10% off)",
        starts_at=now,
        ends_at=now + timedelta(hours=72),
    )


def _requests(prefix: str, count: int) -> list[CodeRequest]:
    return [CodeRequest(f"{prefix}-{index:06d}B") for index in range(count)]


@contextmanager
def _serve(app: Any, control_prefix: str) -> Iterator[tuple[ServerThread, CountingApp]]:
    counting = CountingApp(app, control_prefix)
    with ServerThread(counting) as server:
        yield server, counting


def _shopify(codes: int) -> dict[str, Any]:
    app = create_shopify_app(
        {"api_key": API_KEY, "api_secret": API_SECRET, "app_url": "https://app.example"}
    )
    try:
        with (
            _serve(app, "/sandbox") as (server, counting),
            httpx.Client(base_url=server.url, timeout=30) as http,
        ):
            created = http.post("/sandbox/shops", json={"domain": "bench-codes", "installed": True})
            domain = str(created.json()["domain"])
            vault = MemoryVault(_shopify_token(http, domain).to_credentials())
            with connect_store(
                domain,
                vault,
                api_key=API_KEY,
                api_secret=API_SECRET,
                api_version=API_VERSION,
                admin_origin=server.url,
            ) as connector:
                now = datetime.now(UTC).replace(microsecond=0)
                baseline = _timed(lambda: connector.fetch_shop())
                counting.reset()
                http.delete(f"/sandbox/shops/{domain}/requests")
                started = time.perf_counter()
                result = connector.issue_codes(_spec(now), _requests("CART", codes), None)
                wall = time.perf_counter() - started
            labels = http.get(f"/sandbox/shops/{domain}/requests").json()["counts"]
    finally:
        app.extensions["shopify_sandbox"].close()
    calls = sum(counting.counts.values())
    return {
        "codes": codes,
        "issued": len(result.issued),
        "unique_refs": len({issued.platform_ref for issued in result.issued}),
        "api_calls": calls,
        "sandbox_counts_by_root_field": dict(sorted(labels.items())),
        "target_calls": _shopify_target(codes),
        "within_target": calls <= _shopify_target(codes),
        "wall_s": round(wall, 2),
        "codes_per_s": round(codes / wall, 1),
        "baseline_one_call_ms": round(baseline * 1000, 1),
    }


def _shopify_target(codes: int) -> int:
    """One parent, one bulk add per 250 further codes, and 4 calls to learn they are done
    (the issue's 45 for 10,000)."""
    return 1 + -(-(codes - 1) // 250) + 4


def _shopify_token(http: httpx.Client, domain: str) -> OfflineToken:
    opened = http.get(f"/sandbox/shops/{domain}/open-app", params={"format": "json"}).json()
    body = {
        "client_id": API_KEY,
        "client_secret": API_SECRET,
        "grant_type": TOKEN_EXCHANGE,
        "subject_token": opened["id_token"],
        "subject_token_type": ID_TOKEN,
        "requested_token_type": OFFLINE,
        "expiring": 0,
    }
    answer = http.post(f"/shops/{domain}/admin/oauth/access_token", json=body)
    answer.raise_for_status()
    return OfflineToken.from_token_response(answer.json(), datetime.now(UTC))


def _woocommerce(codes: int) -> dict[str, Any]:
    app = create_woo_app({"stores": {"bench": {}}})
    try:
        with (
            _serve(app, "/_sandbox") as (server, counting),
            httpx.Client(base_url=f"{server.url}/_sandbox", timeout=30) as control,
        ):
            key = control.post("/stores/bench/api-keys", json={"permissions": "read_write"}).json()
            client = WooClient(f"{server.url}/bench", key["consumer_key"], key["consumer_secret"])
            connector = WooCommerceConnector(client)
            now = datetime.now(UTC).replace(microsecond=0)
            baseline = _timed(lambda: client.get("coupons", {"per_page": 1}))
            counting.reset()
            started = time.perf_counter()
            result = connector.issue_codes(_spec(now), _requests("CART", codes), None)
            wall = time.perf_counter() - started
    finally:
        app.extensions["woo_deliverer"].stop()
    calls = sum(counting.counts.values())
    target = max(1, -(-codes // 100))
    return {
        "codes": codes,
        "issued": len(result.issued),
        "api_calls": calls,
        "calls_by_endpoint": dict(sorted(counting.counts.items())),
        "target_calls": target,
        "within_target": calls <= target,
        "wall_s": round(wall, 2),
        "codes_per_s": round(codes / wall, 1),
        "baseline_one_call_ms": round(baseline * 1000, 1),
    }


def _timed(call: Callable[[], Any], rounds: int = 5) -> float:
    call()  # warm-up: connection, caches
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def run() -> dict[str, object]:
    """Issue BENCH_CODES codes in each sandbox store; report calls, wall time and targets."""
    codes = int(os.environ.get("BENCH_CODES", "10000"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access log line per call
    return {"shopify": _shopify(codes), "woocommerce": _woocommerce(codes)}
