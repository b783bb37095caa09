"""A simulated store lived through on a controllable clock: Nudge, a sandbox Shopify and a
sandbox SendGrid, every one of them reading the same fake "now".

`time_machine` moves the clock of this whole process (the app's server thread, the sandboxes'
threads, the jobs run here), so a webhook's timestamps, the pixel's events, the engine's
schedule, quiet hours and token expiry all agree, as they would in production on one day after
another. The clock ticks on from wherever it is put (`tick=True`), so two events of one moment
still come in order. Shoppers act through the simulator (`sandbox/simulator`): storefront pages
and the web pixel over HTTP, carts, checkouts and orders through the sandbox's control API, which
sends Shopify's webhooks to the app. The clock process is played by `Clock.tick`: the due sweep
of `workers.cron` (the database is the schedule) and the hourly birthday scan at :07.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import time_machine
from sqlalchemy import func, select

from app.config import Settings
from app.core.configs import save_config
from app.core.store_settings import (
    load_store_settings,
    parse_store_settings,
    save_store_settings,
)
from app.db import Database
from app.db.models import Customer, Enrollment, Store
from sandbox.simulator.catalog import ProductSpec
from sandbox.simulator.people import CustomerSpec
from sandbox.simulator.plan import Shopper, Step, Visit
from sandbox.simulator.report import RunReport
from sandbox.simulator.shopify_store import ShopifyStore
from tests.e2e.shopify_stack import ShopifyStack, shopify_stack
from tests.sendgrid_support import API_KEY, RunningSandbox, running_sandbox
from workers.maintenance import sweep_due_enrollments
from workers.queues import ALL_QUEUES, JobQueues
from workers.steps import scan_birthdays

#: The clock's sweep runs at most this often (workers/cron.py: every 30 s).
SWEEP_EVERY = timedelta(seconds=30)
#: The birthday scan runs hourly at this minute (workers/cron.py: "7 * * * *").
BIRTHDAY_SCAN_MINUTE = 7


@dataclass
class Clock:
    """The process-wide fake clock."""

    traveller: Any

    def now(self) -> datetime:
        return datetime.now(UTC)

    def move_to(self, instant: datetime) -> None:
        self.traveller.move_to(instant)


@dataclass
class World:
    """Everything running, and the shop's simulated shoppers."""

    stack: ShopifyStack
    sendgrid: RunningSandbox
    clock: Clock
    domain: str
    shop: ShopifyStore
    report: RunReport
    visits: int = 0
    ticks: int = 0
    _last_scan: datetime | None = field(default=None)

    # --- the store ---------------------------------------------------------------------------

    def store(self) -> Store:
        found = self.stack.store(self.domain)
        assert found is not None
        return found

    def customer_ids(self) -> dict[str, int]:
        """Nudge's customer id of every mirrored customer, by email."""
        with self.stack.database.session() as session:
            rows = session.execute(select(Customer.email, Customer.id)).all()
        return {email: customer_id for email, customer_id in rows if email}

    def configure(self, recipes: dict[str, dict[str, Any]], form: dict[str, str]) -> None:
        """The merchant's settings and recipes, through the admin's validated functions."""
        with self.stack.database.session() as session:
            store = session.get(Store, self.store().id)
            assert store is not None
            for recipe, changes in recipes.items():
                save_config(session, store, recipe, changes, enabled=True)
            save_store_settings(store, parse_store_settings(form, load_store_settings(store)))
            session.commit()

    # --- shoppers ----------------------------------------------------------------------------

    def visit(self, customer: int, *steps: Step) -> int:
        """A logged-in customer's visit, stamped with the clock's time; its number."""
        self.visits += 1
        visit = Visit(self.visits, 0.0, Shopper(customer=customer), tuple(steps))
        self.shop.perform(visit, lambda: self.clock.now().timestamp())
        assert not self.report.errors, self.report.errors
        return self.visits

    def update_customer(self, customer: int, body: dict[str, Any]) -> None:
        """The customer edits their profile (customers/update)."""
        self.shop.api.call("PATCH", f"/customers/{self.shop.customer_ids[customer]}", body)

    # --- the clock process -------------------------------------------------------------------

    def settle(self) -> None:
        """Deliver the shop's pending webhooks and run every queued job until both are quiet
        (a worker is only started when a queue holds something: this runs at every tick)."""
        queues = JobQueues(self.stack.runtime.redis)
        for _round in range(50):
            if self.stack.sandbox.webhooks.pending():
                self.stack.control.post("/sandbox/webhooks/drain", json={"timeout": 10})
            if not any(queues.queue(name).count for name in ALL_QUEUES):
                if not self.stack.sandbox.webhooks.pending():
                    return
                continue
            self.stack.run_jobs()
        raise AssertionError("the stack did not settle")

    def tick(self) -> None:
        """What the workers and the clock do at this moment: deliver webhooks, run the jobs
        they queue, scan birthdays once an hour, claim due steps and run them."""
        self.ticks += 1
        self.settle()
        now = self.clock.now()
        hour_mark = now.replace(minute=BIRTHDAY_SCAN_MINUTE, second=0, microsecond=0)
        if hour_mark > now:
            hour_mark -= timedelta(hours=1)
        if self._last_scan is None or self._last_scan < hour_mark:
            self._last_scan = hour_mark
            scan_birthdays()
        for _round in range(10):
            if not sweep_due_enrollments():
                break
            self.settle()

    def next_due(self) -> datetime | None:
        """The earliest step the database holds (what the clock's sweep would find first)."""
        with self.stack.database.session() as session:
            return session.execute(
                select(func.min(Enrollment.next_run_at)).where(Enrollment.state == "active")
            ).scalar_one_or_none()

    def run(self, until: datetime, actions: list[tuple[datetime, Callable[[], None]]]) -> None:
        """Live through to `until`: each action at its time, the clock's ticks in between
        (at each due step, at each hour's birthday scan, never more often than 30 s)."""
        pending = sorted(actions, key=lambda item: item[0])
        moment = self.clock.now()
        while moment < until:
            self.clock.move_to(moment)
            while pending and pending[0][0] <= moment:
                pending.pop(0)[1]()
                self.settle()
            self.tick()
            candidates = [until, _next_scan(moment)]
            if pending:
                candidates.append(pending[0][0])
            due = self.next_due()
            if due is not None:
                candidates.append(due)
            moment = max(min(candidates), moment + SWEEP_EVERY)
        self.clock.move_to(until)
        self.sendgrid.flush()
        self.settle()

    # --- what arrived ------------------------------------------------------------------------

    def inbox(self) -> list[dict[str, Any]]:
        """Every email the sandbox SendGrid accepted, with its content."""
        summaries = self.sendgrid.control("GET", "/messages").json()["messages"]
        return [
            self.sendgrid.control("GET", f"/messages/{m['sg_message_id']}").json()
            for m in summaries
        ]

    def one_click_unsubscribe(self, email: str) -> None:
        """The shopper's mailbox uses the newest email's List-Unsubscribe (RFC 8058)."""
        mine = [mail for mail in self.inbox() if mail["email"] == email]
        assert mine, f"no email to {email} to unsubscribe from"
        newest = max(mine, key=lambda mail: mail["received_at"])
        url = newest["headers"]["List-Unsubscribe"].strip("<>")
        response = httpx.post(url, data={"List-Unsubscribe": "One-Click"}, timeout=30)
        assert response.status_code == 200, response.text


def _next_scan(moment: datetime) -> datetime:
    mark = moment.replace(minute=BIRTHDAY_SCAN_MINUTE, second=0, microsecond=0)
    return mark if mark > moment else mark + timedelta(hours=1)


@contextmanager
def living_world(
    settings: Settings,
    database: Database,
    *,
    start: datetime,
    shop_timezone: str,
    products: tuple[ProductSpec, ...],
    customers: tuple[CustomerSpec, ...],
) -> Iterator[World]:
    """Nudge installed on a seeded sandbox shop, the clock at `start`."""
    with (
        time_machine.travel(start, tick=True) as traveller,
        running_sandbox() as sendgrid,
    ):
        wired = replace(
            settings,
            mail_backend="sendgrid",
            sendgrid_api_key=API_KEY,
            sendgrid_api_host=sendgrid.url,
            sendgrid_webhook_public_key=sendgrid.state.public_key,
        )
        with shopify_stack(wired, database) as stack:
            hook = {"url": f"{stack.app_url}/webhooks/sendgrid"}
            assert sendgrid.control("PUT", "/event-webhook", json=hook).status_code == 200
            domain = stack.create_shop("ten-days", timezone=shop_timezone, name="Ten Days")
            report = RunReport()
            shop = ShopifyStore(
                stack.control,
                stack.sandbox_url,
                domain,
                seed=7,
                catalog=products,
                customers=customers,
                store_tag="ten-days",
                inbox=None,
                report=report,
            )
            shop.seed()
            # Installed after the seed, like a merchant with a history: the install's backfill
            # reads each customer's time zone (webhooks carry none).
            assert stack.open_app(domain).status_code == 200
            stack.settle()
            yield World(stack, sendgrid, Clock(traveller), domain, shop, report)
