"""Installing Nudge into the demo's stores through the real install flows, over HTTP.

- Shopify: the shop installs the app (Shopify-managed installation), then the merchant opens it:
  the sandbox admin sends the browser to Nudge's App Home (`GET /shopify`) with a signed session
  token, and App Home exchanges it for an offline token and queues the store's setup (webhook
  subscriptions, the web pixel, the backfill).
- WooCommerce: the merchant enters the store address at `GET /woocommerce/connect`, which sends
  the browser to the store's `/wc-auth/v1/authorize` (auto-approved in the demo store); the store
  POSTs REST keys to Nudge's `/woocommerce/callback` and returns the browser to Nudge.

Nothing here writes Nudge's database: the launcher only watches it to know when setup is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select

from app.db import Database
from app.db.models import Customer, Product, Store
from sandbox.demo.processes import AppProcess, DemoError, check_alive


def install_shopify(http: httpx.Client, shopify_url: str, domain: str, app_url: str) -> None:
    """Install the app on the shop, then open it from the admin (App Home, token exchange)."""
    installed = http.post(f"{shopify_url}/sandbox/shops/{domain}/install", json={})
    if installed.status_code != 200:
        raise DemoError(f"the sandbox Shopify refused the install: {installed.text[:300]}")
    home = http.get(f"{shopify_url}/sandbox/shops/{domain}/open-app", follow_redirects=True)
    if home.status_code != 200 or not str(home.url).startswith(f"{app_url}/shopify"):
        raise DemoError(
            f"opening the app from the Shopify admin ended at {home.url} with "
            f"{home.status_code}: {home.text[:300]}"
        )


def connect_woocommerce(http: httpx.Client, app_url: str, store_url: str) -> None:
    """Connect the store: Nudge's connect page → the store's wc-auth → Nudge's callback."""
    response = http.get(
        f"{app_url}/woocommerce/connect", params={"store_url": store_url}, follow_redirects=True
    )
    trail = [str(step.url) for step in response.history] + [str(response.url)]
    if not any("woocommerce=connected" in url for url in trail):
        raise DemoError(
            f"connecting {store_url} did not succeed (went through {trail}, answered "
            f"{response.status_code}: {response.text[:300]})"
        )


@dataclass
class SetupState:
    """How far a store's setup has come, as the launcher can see it."""

    platform: str
    active: bool = False
    customers: int = 0
    products: int = 0
    extra_ready: bool = True

    def done(self, customers: int, products: int) -> bool:
        """Active, with the seeded customers and products mirrored."""
        return (
            self.active
            and self.extra_ready
            and self.customers >= customers
            and self.products >= products
        )

    def describe(self, customers: int, products: int) -> str:
        """One progress line."""
        state = "active" if self.active else "installing"
        return (
            f"{self.platform}: {state}, customers {self.customers}/{customers}, "
            f"products {self.products}/{products}"
        )


def setup_state(database: Database, platform: str) -> SetupState:
    """The store of `platform` in Nudge's database (the demo has one per platform)."""
    with database.session() as session:
        store = session.execute(select(Store).where(Store.platform == platform)).scalars().first()
        if store is None:
            return SetupState(platform)

        def count(model: type[Customer] | type[Product]) -> int:
            query = select(func.count()).select_from(model).where(model.store_id == store.id)
            return int(session.execute(query).scalar_one())

        return SetupState(platform, store.is_active, count(Customer), count(Product))


def wait_for_setup(
    database: Database,
    processes: list[AppProcess],
    expected: tuple[int, int],
    pixel_ready: Callable[[], bool],
    timeout: float = 240.0,
) -> list[SetupState]:
    """Wait until both stores are active with their catalog and customers mirrored (and the
    Shopify pixel activated); prints progress. DemoError after `timeout`."""
    deadline, shown = time.monotonic() + timeout, ""
    while True:
        check_alive(processes)
        states = [setup_state(database, "shopify"), setup_state(database, "woocommerce")]
        states[0].extra_ready = pixel_ready()
        line = "; ".join(state.describe(*expected) for state in states)
        if line != shown:
            print(f"  {line}", flush=True)
            shown = line
        if all(state.done(*expected) for state in states):
            return states
        if time.monotonic() > deadline:
            raise DemoError(f"the stores' setup did not finish in {timeout:.0f} s: {line}")
        time.sleep(0.5)
