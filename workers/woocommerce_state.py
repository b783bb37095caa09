"""What WooCommerce jobs share: the store's connector, its webhook address, and its sync state.

`Store.sync_state["woocommerce"]` holds:
- `backfill`: per resource `{"cursor": page, "done": bool}`, plus `heartbeat` (ISO time);
- `watermarks`: per polled collection, the newest modification time read (ISO);
- `customer_sweep_page`: where the customer sweep continues;
- `webhook_secret_synced`: False until every Nudge webhook carries the current secret;
- `connect_nonces`: states already used by a connect callback.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.db.models import Store
from connectors.woocommerce import WooCommerceConnector, connect_store
from workers.runtime import current

PLATFORM = "woocommerce"
#: Seconds a store call may take; Woo stores are often slow PHP hosts (research §1.4, §5).
REQUEST_TIMEOUT = 30.0


def webhook_url(store: Store) -> str:
    """Where this store's webhooks deliver."""
    return f"{current().settings.app_url}/webhooks/woocommerce/{store.key}"


def credentials_of(store: Store) -> dict[str, Any]:
    """The store's decrypted credentials."""
    return current().cipher.decrypt(store.credentials_encrypted)


def connector_for(store: Store, credentials: dict[str, Any] | None = None) -> WooCommerceConnector:
    """A connector on the store's working keys (or on `credentials` when given)."""
    keys = credentials if credentials is not None else credentials_of(store)
    return connect_store(
        str(keys.get("store_url") or ""),
        keys,
        timeout=REQUEST_TIMEOUT,
        webhook_url=webhook_url(store),
    )


def woo_state(store: Store) -> dict[str, Any]:
    """A copy of the store's WooCommerce sync state (write it back with `save_woo_state`)."""
    state = (store.sync_state or {}).get(PLATFORM, {})
    return {
        key: (dict(value) if isinstance(value, dict) else value) for key, value in state.items()
    }


def save_woo_state(store: Store, woo: dict[str, Any]) -> None:
    """Replace the store's WooCommerce sync state (a new dict, so the ORM sees the change)."""
    state = dict(store.sync_state or {})
    state[PLATFORM] = woo
    store.sync_state = state


def iso(moment: datetime) -> str:
    """A UTC time as stored in sync state."""
    return moment.isoformat()
