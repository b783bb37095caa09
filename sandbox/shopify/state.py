"""In-memory state of the sandbox: shops and what lives in them, guarded by one lock.

Records are plain dicts shaped close to Shopify's REST resources (snake_case, numeric ids): the
webhook bodies are built from them directly and the GraphQL resolvers map them to the schema.
Every read or write of a shop happens under `Sandbox.lock` (an RLock).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sandbox.shopify.config import SandboxConfig, replace_settings
from sandbox.shopify.ids import IdSequence
from sandbox.shopify.throttle import LeakyBucket
from sandbox.shopify.tokens import TokenStore
from sandbox.shopify.webhooks import WebhookDispatcher

# research §1.2: the anchored shop-domain rule Shopify's app-security check asks for.
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
Record = dict[str, Any]


@dataclass
class Shop:
    """One store: its settings, resources, what the app did, and its fault switches."""

    domain: str
    id: int
    name: str
    email: str
    timezone: str
    currency: str
    created_at: float
    bucket: LeakyBucket
    installed: bool = False
    primary_domain: str | None = None  # a custom domain the storefront is served on
    scopes: str = ""
    customers: dict[int, Record] = field(default_factory=dict)
    products: dict[int, Record] = field(default_factory=dict)
    collections: dict[int, Record] = field(default_factory=dict)
    orders: dict[int, Record] = field(default_factory=dict)
    checkouts: dict[int, Record] = field(default_factory=dict)
    carts: dict[str, Record] = field(default_factory=dict)
    discounts: dict[int, Record] = field(default_factory=dict)
    redeem_codes: dict[str, Record] = field(default_factory=dict)  # by code.lower()
    bulk_creations: dict[int, Record] = field(default_factory=dict)
    jobs: dict[str, Record] = field(default_factory=dict)
    subscriptions: dict[int, Record] = field(default_factory=dict)
    consent_updates: list[Record] = field(default_factory=list)
    web_pixel: Record | None = None  # the app's pixel on this shop (one per app and shop)
    requests: list[Record] = field(default_factory=list)
    operation_counts: Counter[str] = field(default_factory=Counter)
    http_429_remaining: int = 0
    retry_after_seconds: int = 1
    next_order_number: int = 1001

    @property
    def handle(self) -> str:
        """The shop name part of the domain (`my-shop` of my-shop.myshopify.com)."""
        return self.domain.removesuffix(".myshopify.com")

    def summary(self) -> Record:
        """What the control API shows for a shop."""
        return {
            "domain": self.domain,
            "id": self.id,
            "admin_graphql_api_id": f"gid://shopify/Shop/{self.id}",
            "name": self.name,
            "email": self.email,
            "timezone": self.timezone,
            "currency": self.currency,
            "primary_domain": self.primary_domain,
            "installed": self.installed,
            "scopes": self.scopes,
            "counts": {
                "customers": len(self.customers),
                "products": len(self.products),
                "orders": len(self.orders),
                "checkouts": len(self.checkouts),
                "carts": len(self.carts),
                "discounts": len(self.discounts),
                "webhook_subscriptions": len(self.subscriptions),
            },
        }


def normalize_shop_domain(value: str) -> str | None:
    """`my-shop` or `my-shop.myshopify.com` (any case) → the domain; None when invalid."""
    domain = value.strip().lower()
    if domain and "." not in domain:
        domain += ".myshopify.com"
    return domain if SHOP_DOMAIN.match(domain) else None


class Sandbox:
    """The root of the state: config, shops, tokens and the webhook dispatcher."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.shops: dict[str, Shop] = {}
        self.ids = IdSequence()
        self.tokens = TokenStore(self)
        self.webhooks = WebhookDispatcher(self)

    def now(self) -> float:
        """The sandbox clock (config.clock, time.time by default)."""
        return self.config.clock()

    def shop(self, domain: str) -> Shop | None:
        """The shop with this domain, if it exists."""
        return self.shops.get(domain)

    def create_shop(self, domain: str, name: str, email: str, timezone: str, currency: str) -> Shop:
        """Add a shop (caller validated the fields and holds the lock)."""
        now = self.now()
        bucket = LeakyBucket(
            self.config.bucket_size, self.config.restore_rate, self.config.bucket_size, now
        )
        shop = Shop(domain, self.ids.next(), name, email, timezone, currency, now, bucket)
        self.shops[domain] = shop
        return shop

    def update_settings(self, changes: dict[str, Any]) -> None:
        """Apply control-API setting changes; buckets follow a new size or restore rate."""
        with self.lock:
            self.config = replace_settings(self.config, changes)
            if {"bucket_size", "restore_rate"} & changes.keys():
                for shop in self.shops.values():
                    shop.bucket.reconfigure(
                        self.config.bucket_size, self.config.restore_rate, self.now()
                    )

    def storefront_base(self, shop: Shop) -> str:
        """The shop's storefront origin: the sandbox's own pages when it knows its public URL,
        else the shop's primary domain (its custom domain, or <shop>.myshopify.com)."""
        if self.config.public_url:
            return f"{self.config.public_url.rstrip('/')}/shops/{shop.domain}"
        return f"https://{shop.primary_domain or shop.domain}"

    def recovery_url(self, shop: Shop, token: str, key: str) -> str:
        """abandoned_checkout_url of a checkout."""
        return f"{self.storefront_base(shop)}/{shop.id}/checkouts/{token}/recover?key={key}"

    def close(self) -> None:
        """Stop the webhook worker thread (pending deliveries are dropped)."""
        self.webhooks.stop()
