"""The sandbox's settings: one app (client id + secret) talking to many shops.

Defaults follow Shopify's documented values (research/shopify.md): expiring offline tokens live
60 min, the GraphQL bucket holds 2000 points and restores 100/s, a single query may cost at most
1000, webhooks are retried 8 times over about 4 hours. Tests shrink the timings.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What a Nudge-like app declares in shopify.app.toml [webhooks] (research §3.4), used when the
# caller gives no app-level subscriptions. Compliance topics are app configuration only (§3.4).
DEFAULT_APP_TOPICS: tuple[str, ...] = (
    "app/uninstalled",
    "orders/create",
    "orders/paid",
    "orders/updated",
    "orders/cancelled",
    "checkouts/create",
    "checkouts/update",
    "carts/create",
    "carts/update",
    "customers/create",
    "customers/update",
    "customers/delete",
    "products/create",
    "products/update",
    "products/delete",
)
COMPLIANCE_TOPICS: tuple[str, ...] = ("customers/data_request", "customers/redact", "shop/redact")
DEFAULT_SCOPES = (
    "read_customers,write_customers,read_products,read_orders,read_discounts,write_discounts"
)
#: The app's web pixel extension (its [settings] definition validates webPixelCreate/Update).
DEFAULT_PIXEL_EXTENSION = str(
    Path(__file__).resolve().parents[2] / "extensions" / "nudge-pixel" / "shopify.extension.toml"
)
# Shopify: 8 retries over 4 hours with exponential backoff (changelog 2024-09-10, research §3.3).
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (60, 120, 240, 480, 960, 1920, 3600, 5400)


@dataclass(frozen=True)
class AppSubscription:
    """An app-level (shopify.app.toml) subscription: topics delivered to one URL for every shop."""

    topics: tuple[str, ...]
    uri: str


@dataclass(frozen=True)
class SandboxConfig:
    """Everything the sandbox needs; `replace_settings` changes the tunable part at run time."""

    api_key: str
    api_secret: str
    app_url: str
    app_home_path: str = "/shopify"
    webhook_path: str = "/webhooks/shopify"
    compliance_webhook_path: str = "/webhooks/shopify"
    app_subscriptions: tuple[AppSubscription, ...] | None = None
    # The sandbox's own origin as browsers reach it; storefront links (recovery URLs, product
    # pages) point there when set, else at https://<shop>.myshopify.com like real Shopify.
    public_url: str | None = None
    scopes: str = DEFAULT_SCOPES
    # The app's web pixel extension TOML; None: the app has no pixel extension (NO_EXTENSION).
    web_pixel_extension: str | None = DEFAULT_PIXEL_EXTENSION
    api_version: str = "2026-07"
    access_token_ttl: float = 3600.0
    refresh_token_ttl: float = 90 * 86400.0
    online_token_ttl: float = 86400.0
    id_token_ttl: float = 60.0
    # Shopify keeps the previous refresh token valid until the new one is used (changelog
    # 2026-08-28); "strict" refuses it as soon as it has been rotated.
    refresh_rotation: str = "until-successor-used"
    allow_non_expiring_tokens: bool = True
    bucket_size: float = 2000.0
    restore_rate: float = 100.0
    max_query_cost: int = 1000
    webhook_retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    webhook_connect_timeout: float = 1.0
    webhook_timeout: float = 5.0
    bulk_job_delay: float = 0.2
    clock: Callable[[], float] = field(default=time.time, compare=False)

    def __post_init__(self) -> None:
        if not self.api_key or not self.api_secret:
            raise ValueError("the sandbox needs the app's api_key and api_secret")
        if not self.app_url.startswith(("http://", "https://")):
            raise ValueError(f"app_url must be an http(s) URL, got {self.app_url!r}")
        if self.refresh_rotation not in ("until-successor-used", "strict"):
            raise ValueError("refresh_rotation is 'until-successor-used' or 'strict'")

    @property
    def app_origin(self) -> str:
        """The app URL without a trailing slash."""
        return self.app_url.rstrip("/")

    @property
    def app_home_url(self) -> str:
        """Where the admin loads the embedded app (the App URL of the app configuration)."""
        return self.app_origin + self.app_home_path

    def subscriptions(self) -> tuple[AppSubscription, ...]:
        """App-level subscriptions: the configured ones, else the default topics."""
        if self.app_subscriptions is not None:
            return self.app_subscriptions
        return (
            AppSubscription(DEFAULT_APP_TOPICS, self.app_origin + self.webhook_path),
            AppSubscription(COMPLIANCE_TOPICS, self.app_origin + self.compliance_webhook_path),
        )


# Settings a test may change through the control API (POST /sandbox/settings), with their types.
TUNABLE: dict[str, type] = {
    "access_token_ttl": float,
    "refresh_token_ttl": float,
    "online_token_ttl": float,
    "id_token_ttl": float,
    "refresh_rotation": str,
    "allow_non_expiring_tokens": bool,
    "bucket_size": float,
    "restore_rate": float,
    "max_query_cost": int,
    "webhook_timeout": float,
    "bulk_job_delay": float,
}


def replace_settings(config: SandboxConfig, changes: dict[str, Any]) -> SandboxConfig:
    """A copy of `config` with validated tunable changes; ValueError names the bad key."""
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "webhook_retry_delays":
            if not isinstance(value, list) or not all(_is_number(v) and v >= 0 for v in value):
                raise ValueError("webhook_retry_delays must be a list of seconds")
            clean[key] = tuple(float(v) for v in value)
            continue
        expected = TUNABLE.get(key)
        if expected is None:
            raise ValueError(f"unknown or fixed setting {key!r}")
        if expected is bool and not isinstance(value, bool):
            raise ValueError(f"{key} must be true or false")
        if expected in (float, int) and (not _is_number(value) or value < 0):
            raise ValueError(f"{key} must be a non-negative number")
        if expected is str and not isinstance(value, str):
            raise ValueError(f"{key} must be a string")
        clean[key] = expected(value)
    return dataclasses.replace(config, **clean)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
