"""The simulator: seed the stores, then carry out each store's planned visits on the clock.

    simulator = Simulator(config, sendgrid_url=...)
    simulator.add_shopify(sandbox_url, "acme")
    simulator.add_woocommerce(sandbox_url, "store-a")
    simulator.seed()
    report = simulator.run(visits=50, paced=False)      # as fast as possible, then return
    simulator.start(); ...; simulator.stop()            # paced, in the background (the demo)

Each store has its own plan stream (seed + platform) and runs in its own thread, so a slow
store never holds up another. Paced runs follow the clock: a store that accepts simulated
timestamps (Shopify) uses the simulated clock (fast-forward), the others real time. A visit's
timestamps are its planned time, capped at the real clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from sandbox.simulator.catalog import build_catalog
from sandbox.simulator.clock import SimClock
from sandbox.simulator.config import Rates, SimulatorConfig
from sandbox.simulator.mail import Inbox
from sandbox.simulator.people import build_customers
from sandbox.simulator.plan import Planner
from sandbox.simulator.report import RunReport, SeedReport
from sandbox.simulator.shopify_store import ShopifyStore
from sandbox.simulator.store_base import SimulatedStore
from sandbox.simulator.woo_store import WooStore


@dataclass
class _Lane:
    """One store with its plan and (once the first run starts) its clock."""

    store: SimulatedStore
    planner: Planner
    clock: SimClock | None = None


class Simulator:
    """Seeds stores and drives their shoppers. Not thread-safe itself; one owner calls it."""

    def __init__(
        self,
        config: SimulatorConfig,
        *,
        sendgrid_url: str | None = None,
        now: datetime | None = None,
    ) -> None:
        self.config = config
        self.now = now or datetime.now(UTC)
        self.catalog = build_catalog(config.seed, config.products)
        self.client = httpx.Client(timeout=30.0)
        self.inbox = Inbox(self.client, sendgrid_url) if sendgrid_url else None
        self.report = RunReport()
        #: The simulated clock, started by the first run (seeding and installs come before).
        self.clock: SimClock | None = None
        self._lanes: list[_Lane] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def stores(self) -> list[SimulatedStore]:
        """The stores added, in order."""
        return [lane.store for lane in self._lanes]

    def add_shopify(self, sandbox_url: str, shop: str, rates: Rates | None = None) -> ShopifyStore:
        """A sandbox Shopify shop to seed and shop at."""
        tag = shop.removesuffix(".myshopify.com")
        store = ShopifyStore(self.client, sandbox_url, shop, **self._store_args(tag))
        self._add(store, rates)
        return store

    def add_woocommerce(self, sandbox_url: str, slug: str, rates: Rates | None = None) -> WooStore:
        """A sandbox WooCommerce store to seed and shop at."""
        store = WooStore(self.client, sandbox_url, slug, **self._store_args(slug))
        self._add(store, rates)
        return store

    def _store_args(self, tag: str) -> dict[str, object]:
        return {
            "seed": self.config.seed,
            "catalog": self.catalog,
            "customers": build_customers(self.config.seed, self.config.customers, tag, self.now),
            "store_tag": tag,
            "inbox": self.inbox,
            "report": self.report,
        }

    def _add(self, store: SimulatedStore, rates: Rates | None) -> None:
        if rates is not None:
            rates.validate()
        planner = Planner(
            self.config.seed,
            rates or self.config.rates,
            self.catalog,
            len(store.customers),
            stream=store.platform,
        )
        self._lanes.append(_Lane(store, planner))

    def seed(self) -> list[SeedReport]:
        """Seed every store (idempotent: what exists is kept)."""
        return [lane.store.seed() for lane in self._lanes]

    def run(
        self, *, visits: int | None = None, duration: float | None = None, paced: bool = True
    ) -> RunReport:
        """Carry out visits in every store until `visits` each, `duration` seconds or stop()."""
        if visits is None and duration is None and not paced:
            raise ValueError("an unpaced run needs a visit count or a duration")
        deadline = time.monotonic() + duration if duration is not None else None
        self._start_clocks()
        threads = [
            threading.Thread(
                target=self._drive,
                args=(lane, visits, deadline, paced),
                name=f"simulator {lane.store.name}",
                daemon=True,
            )
            for lane in self._lanes
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return self.report

    def _start_clocks(self) -> None:
        if self.clock is None:
            config = self.config
            self.clock = SimClock(fast_forward_hours=config.fast_forward_hours, speed=config.speed)
        for lane in self._lanes:
            if lane.clock is None:
                lane.clock = self.clock if lane.store.time_shift else SimClock()

    def start(self, *, duration: float | None = None) -> None:
        """Run paced in the background until stop() (or `duration` seconds)."""
        thread = threading.Thread(
            target=self.run, kwargs={"duration": duration}, name="simulator", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the visits under way and wait for the threads."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def close(self) -> None:
        """Stop and release the HTTP clients."""
        self.stop()
        for lane in self._lanes:
            if isinstance(lane.store, WooStore):
                lane.store.close()
        self.client.close()

    def _drive(self, lane: _Lane, visits: int | None, deadline: float | None, paced: bool) -> None:
        assert lane.clock is not None  # noqa: S101 - started by run()
        done = 0
        while not self._stop.is_set() and (visits is None or done < visits):
            visit = next(lane.planner)
            planned = lane.clock.start + visit.at
            if paced and not self._wait(lane.clock, planned, deadline):
                return
            if deadline is not None and time.monotonic() >= deadline:
                return
            lane.store.perform(visit, _stamp(planned))
            done += 1

    def _wait(self, clock: SimClock, planned: float, deadline: float | None) -> bool:
        if deadline is None:
            return clock.wait_until(planned, self._stop)
        while clock.real_seconds_until(planned) > 0:
            left = deadline - time.monotonic()
            if left <= 0 or self._stop.wait(min(0.5, left, clock.real_seconds_until(planned))):
                return False
        return True


def _stamp(planned: float) -> Callable[[], float]:
    """A visit's clock: its planned time, never after the real clock."""
    return lambda: min(planned, time.time())
