"""The demo, start to finish: sandboxes, Nudge, the install flows, the merchant's setup, the
shoppers; then keep running until Ctrl-C (or --duration) and stop everything it started."""

from __future__ import annotations

import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.db import Database
from app.db.migrations import upgrade_to_head
from app.embedded import PID_FILE, ensure_embedded_redis, stop_embedded_redis
from sandbox.demo import install, merchant
from sandbox.demo.environment import DemoPaths, app_environment, free_port
from sandbox.demo.processes import (
    AppProcess,
    DemoError,
    check_alive,
    start_app,
    stop_processes,
    wait_until_ready,
)
from sandbox.shopify.config import COMPLIANCE_TOPICS, AppSubscription
from sandbox.simulator import Rates, Simulator, SimulatorConfig
from sandbox.stack import SandboxStack, StackConfig

SHOP = "nudge-demo.myshopify.com"
SHOP_NAME = "Nudge Demo Shop"
WOO_STORE = "nudge-demo"
WOO_NAME = "Nudge Demo Store"
STATUS_EVERY = 30.0


@dataclass(frozen=True)
class DemoOptions:
    """What the command line chose."""

    port: int = 8000
    duration: float | None = None
    seed: int = 7
    instance_dir: Path | None = None
    fast_forward_hours: float = 26.0
    speed: float = 400.0
    shopify_visits_per_hour: float = 6.0
    woocommerce_visits_per_hour: float = 90.0
    info_file: Path | None = None


class Demo:
    """One run of the demo; `run()` returns the exit status."""

    def __init__(self, options: DemoOptions, paths: DemoPaths) -> None:
        self.options = options
        self.paths = paths
        self.port = options.port or free_port()
        self.app_url = f"http://127.0.0.1:{self.port}"
        self.processes: list[AppProcess] = []
        self.stack: SandboxStack | None = None
        self.simulator: Simulator | None = None
        self.http = httpx.Client(timeout=30.0)
        self.info: dict[str, Any] = {"app_url": self.app_url}

    def run(self) -> int:
        """Everything, then wait; stops what it started whatever happens."""
        try:
            self._start()
            self._install_and_configure()
            self._shop()
            return self._watch()
        except KeyboardInterrupt:
            print("\ndemo: stopping", flush=True)
            return 0
        except DemoError as error:
            print(f"\ndemo: {error}", flush=True)
            return 1
        finally:
            self._stop()

    # --- phases ------------------------------------------------------------------------------

    def _start(self) -> None:
        self.paths.prepare()
        redis_url = ensure_embedded_redis(self.paths.root)
        self.stack = SandboxStack(_stack_config(self.app_url)).start()
        env = app_environment(
            dict(os.environ),
            self.paths,
            app_url=self.app_url,
            port=self.port,
            redis_url=redis_url,
            stack=self.stack,
        )
        self.secret_key = env["SECRET_KEY"]
        print(f"demo: database {self.paths.database_file} (fresh), redis {redis_url}", flush=True)
        upgrade_to_head(self.paths.database_url)
        self.processes = start_app(env, self.port, self.paths.logs)
        self.info |= self._urls() | {"pids": self._pids()}
        self._write_info()
        wait_until_ready(f"{self.app_url}/readyz", self.processes)
        print(f"demo: Nudge answers at {self.app_url} (logs in {self.paths.logs})", flush=True)

    def _install_and_configure(self) -> None:
        assert self.stack is not None  # noqa: S101
        config = SimulatorConfig(
            seed=self.options.seed,
            fast_forward_hours=self.options.fast_forward_hours,
            speed=self.options.speed,
            rates=Rates(visits_per_hour=self.options.shopify_visits_per_hour),
        )
        self.simulator = Simulator(config, sendgrid_url=self.stack.sendgrid_url)
        shop = self.simulator.add_shopify(self.stack.shopify_url, SHOP)
        shop.ensure_shop(SHOP_NAME, "America/New_York")
        woo_rates = Rates(visits_per_hour=self.options.woocommerce_visits_per_hour)
        store = self.simulator.add_woocommerce(self.stack.woocommerce_url, WOO_STORE, woo_rates)
        store.ensure_store(WOO_NAME, "America/Chicago", auto_approve=True)
        for report in self.simulator.seed():
            print(f"demo: seeded {report.store}: {report.products_created} products, "
                  f"{report.customers_created} customers", flush=True)  # fmt: skip
        print("demo: installing Nudge (Shopify App Home, WooCommerce wc-auth)", flush=True)
        install.install_shopify(self.http, self.stack.shopify_url, SHOP, self.app_url)
        install.connect_woocommerce(self.http, self.app_url, store.store_url)
        database = Database(self.paths.database_url)
        try:
            expected = (len(shop.customers), len(shop.catalog))
            install.wait_for_setup(
                database, self.processes, expected, lambda: shop.pixel() is not None
            )
            self._configure(database)
        finally:
            database.dispose()

    def _configure(self, database: Database) -> None:
        assert self.stack is not None  # noqa: S101
        links: dict[str, str] = {}
        with database.session() as session:
            for platform, name, slug in (
                ("shopify", SHOP_NAME, "nudge-demo-shop"),
                ("woocommerce", WOO_NAME, "nudge-demo-store"),
            ):
                store = merchant.store_of(session, platform)
                try:
                    merchant.configure_store(session, store, name, slug)
                except ValueError as error:
                    raise DemoError(str(error)) from error
                enrolled = merchant.run_birthday_scan(session, store)
                print(
                    f"demo: {platform}: four recipes on; {enrolled} birthday(s) today", flush=True
                )
                links[platform] = merchant.login_link(store, self.secret_key, self.app_url)
            woo = merchant.store_of(session, "woocommerce")
            src = merchant.snippet_src(self.app_url, woo)
        merchant.add_snippet_to_theme(self.http, self.stack.woocommerce_url, WOO_STORE, src)
        self.info["login_links"] = links
        self.info["installed"] = True
        self._write_info()

    def _shop(self) -> None:
        assert self.simulator is not None  # noqa: S101
        self.simulator.start()
        print(_banner(self.info, self.options), flush=True)

    def _watch(self) -> int:
        started = time.monotonic()
        next_status = started + STATUS_EVERY
        while self.options.duration is None or time.monotonic() - started < self.options.duration:
            check_alive(self.processes)
            if time.monotonic() >= next_status:
                print(self._status(), flush=True)
                next_status += STATUS_EVERY
            time.sleep(0.5)
        print(self._status(), flush=True)
        return 0

    def _stop(self) -> None:
        # A second Ctrl-C must not cut the clean-up short and leave processes behind.
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)
        if self.simulator is not None:
            self.simulator.close()
        stop_processes(self.processes)
        if self.stack is not None:
            self.stack.close()
        stop_embedded_redis(self.paths.root)
        self.http.close()
        print("demo: everything stopped", flush=True)

    # --- reporting ---------------------------------------------------------------------------

    def _urls(self) -> dict[str, Any]:
        assert self.stack is not None  # noqa: S101
        return {
            "shopify_url": self.stack.shopify_url,
            "woocommerce_url": self.stack.woocommerce_url,
            "sendgrid_url": self.stack.sendgrid_url,
            "inbox_url": f"{self.stack.sendgrid_url}/inbox",
            "shopify_admin_url": f"{self.stack.shopify_url}/sandbox/shops/{SHOP}/open-app",
            "shopify_storefront": f"{self.stack.shopify_url}/shops/{SHOP}/products",
            "woocommerce_storefront": f"{self.stack.woocommerce_url}/{WOO_STORE}/",
            "shop": SHOP,
            "woocommerce_store": WOO_STORE,
        }

    def _pids(self) -> dict[str, int]:
        pids = {process.name: process.pid for process in self.processes}
        redis_pid = self.paths.root / PID_FILE
        if redis_pid.exists():
            pids["redis"] = int(redis_pid.read_text().strip())
        return pids

    def _write_info(self) -> None:
        if self.options.info_file is not None:
            self.options.info_file.write_text(json.dumps(self.info, indent=2))

    def _status(self) -> str:
        assert self.stack is not None and self.simulator is not None  # noqa: S101
        counts = self.simulator.report.counts
        emails = self.stack.sendgrid_state.mailbox.count()
        parts = [f"{emails} emails in the inbox"] + [
            f"{key} {value}" for key, value in sorted(counts.items()) if not key.endswith("views")
        ]
        return "demo: " + ", ".join(parts)


def _stack_config(app_url: str) -> StackConfig:
    # As shopify.app.toml declares: only app/uninstalled and the compliance topics are app-level;
    # data topics are subscribed per shop by Nudge's setup job.
    uri = f"{app_url}/webhooks/shopify"
    subscriptions = (
        AppSubscription(("app/uninstalled",), uri),
        AppSubscription(COMPLIANCE_TOPICS, uri),
    )
    return StackConfig(app_url=app_url, shopify_overrides={"app_subscriptions": subscriptions})


def _banner(info: dict[str, Any], options: DemoOptions) -> str:
    links = info.get("login_links", {})
    return f"""
Nudge demo is running.
  Admin (WooCommerce store):  {links.get("woocommerce")}
  Admin (Shopify shop):       {links.get("shopify")}
      (login links work once, for a day; the Shopify admin opens the embedded app at
       {info["shopify_admin_url"]})
  Emails sent (SendGrid):     {info["inbox_url"]}
  Storefronts:                {info["shopify_storefront"]}/<handle>
                              {info["woocommerce_storefront"]}
Shoppers: {options.fast_forward_hours:g} h of Shopify history replayed in the first minutes, then
live traffic in both stores. Recipe delays are an hour or more, so new emails follow about an
hour after each cart or view; quiet hours are off and one email an hour per shopper is allowed.
Ctrl-C stops everything.
"""


def stop_on_signals() -> None:
    """Ctrl-C (SIGINT) and SIGTERM stop the demo, even when started with SIGINT ignored (a
    background job of a non-interactive shell)."""

    def raise_interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, raise_interrupt)
    signal.signal(signal.SIGTERM, raise_interrupt)
