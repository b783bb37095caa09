"""What every simulated store does with a planned visit; each platform fills in the steps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from sandbox.simulator.catalog import ProductSpec
from sandbox.simulator.control import SimulatorError
from sandbox.simulator.mail import Email, Inbox
from sandbox.simulator.people import CustomerSpec, guest_email
from sandbox.simulator.plan import (
    Abandon,
    AddToCart,
    Cancel,
    Checkout,
    ComeBack,
    Purchase,
    Refund,
    Shopper,
    Step,
    View,
    Visit,
)
from sandbox.simulator.report import RunReport, SeedReport


@dataclass
class VisitContext:
    """One visit being carried out: its shopper, the clock, and what it has built so far."""

    visit: Visit
    email: str
    now: Callable[[], float]
    lines: list[tuple[ProductSpec, int]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)


class SimulatedStore:
    """A store the simulator seeds and shops at. Subclasses implement the steps."""

    platform = ""
    #: True when the platform accepts the simulated clock's timestamps (fast-forward runs).
    time_shift = False

    def __init__(
        self,
        *,
        name: str,
        seed: int,
        catalog: Sequence[ProductSpec],
        customers: Sequence[CustomerSpec],
        store_tag: str,
        inbox: Inbox | None,
        report: RunReport,
    ) -> None:
        self.name = name
        self.seed_number = seed
        self.catalog = list(catalog)
        self.customers = list(customers)
        self.store_tag = store_tag
        self.inbox = inbox
        self.report = report

    def seed(self) -> SeedReport:
        """Create the catalog and the customers (what exists already is kept)."""
        raise NotImplementedError

    def shopper_email(self, shopper: Shopper) -> str:
        """The address a shopper gives at checkout."""
        if shopper.customer is not None:
            return self.customers[shopper.customer].email
        return guest_email(self.seed_number, shopper.guest or 0, self.store_tag)

    def perform(self, visit: Visit, now: Callable[[], float]) -> None:
        """Carry out a visit; a refused step is recorded and ends the visit."""
        context = VisitContext(visit, self.shopper_email(visit.shopper), now)
        self.report.action(self.name, visit.describe())
        for step in visit.steps:
            try:
                self._step(context, step)
            except (SimulatorError, httpx.HTTPError) as error:
                self.report.error(self.name, f"#{visit.number} {type(step).__name__}: {error}")
                return

    def _step(self, context: VisitContext, step: Step) -> None:
        if isinstance(step, View):
            self.view(context, self.catalog[step.product])
        elif isinstance(step, AddToCart):
            lines = [(self.catalog[index], quantity) for index, quantity in step.lines]
            context.lines.extend(lines)
            self.add_to_cart(context, lines)
        elif isinstance(step, Checkout):
            self.checkout(context)
        elif isinstance(step, Purchase):
            self.purchase(context)
        elif isinstance(step, Abandon):
            self.report.count(self.name, "abandoned checkouts")
        elif isinstance(step, ComeBack):
            self.come_back(context, step)
        elif isinstance(step, Refund):
            self.refund(context, step.of_visit)
        elif isinstance(step, Cancel):
            self.cancel(context, step.of_visit)

    def code_for(self, context: VisitContext, step: ComeBack) -> Email | None:
        """The Nudge code a returning shopper finds in their inbox (opened and clicked)."""
        if not step.use_code or self.inbox is None:
            return None
        email = self.inbox.newest_code(context.email)
        if email is None:
            self.report.outcome(self.name, f"#{context.visit.number} no code in the inbox")
            return None
        self.inbox.open_and_click(email)
        self.report.outcome(
            self.name, f"#{context.visit.number} read {email.subject!r}", "emails read"
        )
        return email

    # The steps, per platform.
    def view(self, context: VisitContext, product: ProductSpec) -> None:
        """Look at a product page."""
        raise NotImplementedError

    def add_to_cart(self, context: VisitContext, lines: list[tuple[ProductSpec, int]]) -> None:
        """Put lines in the cart."""
        raise NotImplementedError

    def checkout(self, context: VisitContext) -> None:
        """Go to checkout and give the email."""
        raise NotImplementedError

    def purchase(self, context: VisitContext) -> None:
        """Pay for the visit's checkout."""
        raise NotImplementedError

    def come_back(self, context: VisitContext, step: ComeBack) -> None:
        """Pay for an earlier visit's abandoned checkout (with a code when there is one)."""
        raise NotImplementedError

    def refund(self, context: VisitContext, of_visit: int) -> None:
        """Refund an earlier visit's order."""
        raise NotImplementedError

    def cancel(self, context: VisitContext, of_visit: int) -> None:
        """Cancel an earlier visit's order."""
        raise NotImplementedError
