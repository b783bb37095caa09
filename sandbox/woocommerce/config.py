"""Settings of the sandbox process and of each store it hosts."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# The versions the sandbox claims to be (User-Agent of deliveries, `version` of orders).
WC_VERSION = "10.3.0"
WP_VERSION = "6.8.3"


class SettingsError(ValueError):
    """A store or sandbox setting has a bad value; the message names it."""


@dataclass
class StoreSettings:
    """What a merchant (or a test) configures per store.

    - `snippet_url`: the `<script src>` every storefront page loads (Nudge's `/t/woo.js`).
    - `https`: the store believes it is served over HTTPS (like WordPress behind a TLS proxy that
      sets `$_SERVER['HTTPS']`): WooCommerce then accepts Basic auth and query-string keys, and
      OAuth 1.0a signatures must cover the `https://` URL. Off (the default), only OAuth 1.0a
      authenticates, exactly as on a plain-http WordPress.
    - `require_ssl_callback`: WooCommerce refuses a non-https `callback_url` in `/wc-auth`; off by
      default because everything here runs on loopback http.
    - `auto_approve`: `/wc-auth/v1/authorize` grants at once instead of showing the approval page.
    - `max_delivery_failures`: the `woocommerce_max_webhook_delivery_failures` filter (default 5).
    - `coalesce_updates`: a queued, not yet sent delivery for the same webhook and resource
      absorbs later ones (Action Scheduler's de-duplication).
    - `delivery_delay`: seconds between an event and its delivery (Action Scheduler's lag).
    """

    name: str = "Sandbox Store"
    timezone: str = "UTC"
    currency: str = "USD"
    snippet_url: str | None = None
    https: bool = False
    require_ssl_callback: bool = False
    auto_approve: bool = False
    shipping_flat_rate: str = "5.00"
    max_delivery_failures: int = 5
    coalesce_updates: bool = False
    delivery_delay: float = 0.0

    @property
    def zone(self) -> ZoneInfo:
        """The store's time zone."""
        return ZoneInfo(self.timezone)

    def updated(self, changes: Mapping[str, Any]) -> StoreSettings:
        """A validated copy with `changes` applied; unknown names or bad values raise."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise SettingsError(f"unknown store setting(s): {', '.join(unknown)}")
        candidate = dataclasses.replace(self, **dict(changes))
        candidate.validate()
        return candidate

    def validate(self) -> None:
        """Raise SettingsError naming the first bad value."""
        _check_types(self)
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise SettingsError(f"timezone: unknown time zone {self.timezone!r}") from error
        try:
            rate = Decimal(self.shipping_flat_rate)
        except InvalidOperation as error:
            raise SettingsError("shipping_flat_rate: not a decimal number") from error
        if rate < 0 or self.max_delivery_failures < 0 or self.delivery_delay < 0:
            raise SettingsError("shipping_flat_rate, max_delivery_failures, delivery_delay: >= 0")
        if len(self.currency) != 3:
            raise SettingsError("currency: a 3-letter ISO code")


_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "timezone": (str,),
    "currency": (str,),
    "snippet_url": (str, type(None)),
    "https": (bool,),
    "require_ssl_callback": (bool,),
    "auto_approve": (bool,),
    "shipping_flat_rate": (str,),
    "max_delivery_failures": (int,),
    "coalesce_updates": (bool,),
    "delivery_delay": (int, float),
}


def _check_types(settings: StoreSettings) -> None:
    for name, types in _TYPES.items():
        value = getattr(settings, name)
        wrong_bool = isinstance(value, bool) and bool not in types
        if wrong_bool or not isinstance(value, types):
            raise SettingsError(f"{name}: expected {' or '.join(t.__name__ for t in types)}")


@dataclass
class WooSandboxConfig:
    """The process: stores to create at start, defaults for new stores, outbound HTTP timeout.

    `delivery_timeout` is WooCommerce's 60 s for webhook deliveries and the `/wc-auth` callback;
    tests lower it.
    """

    stores: dict[str, StoreSettings] = field(default_factory=dict)
    defaults: StoreSettings = field(default_factory=StoreSettings)
    delivery_timeout: float = 60.0

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> WooSandboxConfig:
        """Build from plain data: {"stores": {"store-a": {...}}, "defaults": {...}, ...}."""
        raw = dict(raw or {})
        defaults = StoreSettings().updated(raw.pop("defaults", {}) or {})
        stores = {
            slug: defaults.updated(values or {})
            for slug, values in (raw.pop("stores", {}) or {}).items()
        }
        timeout = float(raw.pop("delivery_timeout", 60.0))
        if raw:
            raise SettingsError(f"unknown sandbox setting(s): {', '.join(sorted(raw))}")
        return cls(stores=stores, defaults=defaults, delivery_timeout=timeout)
