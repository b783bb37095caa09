"""In-memory state of every store, guarded by one lock.

Records are plain dicts holding raw values (Decimal money, aware UTC datetimes); the serializers
turn them into the REST bodies. Products, variations, orders, coupons and image attachments
share one ID sequence, as they share `wp_posts` in WordPress; users, webhooks, API keys, terms,
order items and meta rows have their own.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.woocommerce.config import StoreSettings, WooSandboxConfig
from sandbox.woocommerce.dates import utc_now

Record = dict[str, Any]
EventSink = Callable[["Store", str, str, int], None]

ADMIN_USER_ID = 1
REQUEST_LOG_LIMIT = 2000


class UnknownStore(LookupError):
    """No store has this slug."""


@dataclass
class CartSession:
    """One shopper's session: cart lines, coupons, addresses, notices and the draft order."""

    token: str
    items: dict[str, Record] = field(default_factory=dict)
    coupons: list[str] = field(default_factory=list)
    billing: Record = field(default_factory=dict)
    shipping: Record = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    draft_order_id: int | None = None
    date_modified: datetime = field(default_factory=utc_now)


@dataclass
class Store:
    """One WooCommerce store: its catalog, customers, orders, coupons, webhooks, keys, carts."""

    slug: str
    settings: StoreSettings
    emit_sink: EventSink
    home_url: str = ""
    secret: str = field(default_factory=lambda: secrets.token_hex(32))
    products: dict[int, Record] = field(default_factory=dict)
    images: dict[int, Record] = field(default_factory=dict)
    categories: dict[int, Record] = field(default_factory=dict)
    customers: dict[int, Record] = field(default_factory=dict)
    orders: dict[int, Record] = field(default_factory=dict)
    coupons: dict[int, Record] = field(default_factory=dict)
    webhooks: dict[int, Record] = field(default_factory=dict)
    api_keys: dict[int, Record] = field(default_factory=dict)
    sessions: dict[str, CartSession] = field(default_factory=dict)
    requests: list[Record] = field(default_factory=list)
    request_counts: Counter[str] = field(default_factory=Counter)
    request_total: int = 0
    deliveries: list[Record] = field(default_factory=list)
    fail_next_deliveries: int = 0
    _posts: Iterator[int] = field(default_factory=lambda: itertools.count(10))
    _users: Iterator[int] = field(default_factory=lambda: itertools.count(ADMIN_USER_ID + 1))
    _webhooks: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _keys: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _terms: Iterator[int] = field(default_factory=lambda: itertools.count(15))
    _items: Iterator[int] = field(default_factory=lambda: itertools.count(100))
    _meta: Iterator[int] = field(default_factory=lambda: itertools.count(1000))

    def next_post_id(self) -> int:
        """A new ID from the shared posts sequence."""
        return next(self._posts)

    def next_user_id(self) -> int:
        """A new WordPress user ID (customers)."""
        return next(self._users)

    def next_webhook_id(self) -> int:
        """A new webhook ID."""
        return next(self._webhooks)

    def next_key_id(self) -> int:
        """A new REST API key ID."""
        return next(self._keys)

    def next_term_id(self) -> int:
        """A new term ID (product categories)."""
        return next(self._terms)

    def next_item_id(self) -> int:
        """A new order item ID (line, shipping, coupon lines)."""
        return next(self._items)

    def next_meta_id(self) -> int:
        """A new meta row ID."""
        return next(self._meta)

    def emit(self, resource: str, event: str, resource_id: int) -> None:
        """A WooCommerce hook fired for a resource: webhooks subscribed to it get a delivery."""
        self.emit_sink(self, resource, event, resource_id)

    def log_request(self, entry: Record) -> None:
        """Remember one REST or Store API request and count it per endpoint."""
        self.request_total += 1
        self.request_counts[entry["endpoint"]] += 1
        self.requests.append(entry)
        del self.requests[:-REQUEST_LOG_LIMIT]

    def reset_request_log(self) -> None:
        """Forget the request log and its counts."""
        self.requests.clear()
        self.request_counts.clear()
        self.request_total = 0


class Sandbox:
    """Every store of this process, the lock that guards them, and the webhook deliverer."""

    def __init__(self, config: WooSandboxConfig, emit_sink: EventSink) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.stores: dict[str, Store] = {}
        self._emit_sink = emit_sink
        for slug, settings in config.stores.items():
            self.create_store(slug, settings)

    def create_store(self, slug: str, settings: StoreSettings) -> Store:
        """Add a store; the caller has checked the slug is free and valid."""
        settings.validate()
        with self.lock:
            store = Store(slug=slug, settings=settings, emit_sink=self._emit_sink)
            self.stores[slug] = store
            return store

    def store(self, slug: str) -> Store:
        """The store with this slug, or UnknownStore."""
        try:
            return self.stores[slug]
        except KeyError:
            raise UnknownStore(slug) from None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the state lock (re-entrant)."""
        with self.lock:
            yield
