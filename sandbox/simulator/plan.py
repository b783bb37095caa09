"""What shoppers do, planned from the seed alone: same seed and rates → same visits.

A visit is a shopper arriving at a simulated time and doing a few steps: looking at products
(sometimes the same one twice), adding to the cart, checking out with an email, paying or
abandoning. Some visits are follow-ups planned by earlier ones: the shopper of an abandoned
checkout comes back to buy it (with a Nudge code from their inbox when the plan says so and
one is there), an order is refunded or cancelled. Arrivals are a Poisson process at
`visits_per_hour`; follow-ups are merged in by time.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sandbox.simulator.catalog import ProductSpec
from sandbox.simulator.config import Rates

#: Share of guest visits made by a guest seen before (same browser, not logged in).
RETURNING_GUEST_SHARE = 0.3


@dataclass(frozen=True)
class Shopper:
    """A seeded customer (`customer` is its index) or a guest (`guest` is its number)."""

    customer: int | None = None
    guest: int | None = None

    @property
    def key(self) -> str:
        """c<index> or g<number>: stable across runs."""
        return f"c{self.customer}" if self.customer is not None else f"g{self.guest}"


@dataclass(frozen=True)
class View:
    """Look at a product page."""

    product: int


@dataclass(frozen=True)
class AddToCart:
    """Put these (product index, quantity) lines in the cart."""

    lines: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Checkout:
    """Go to checkout and give an email."""


@dataclass(frozen=True)
class Purchase:
    """Pay for the checkout now."""


@dataclass(frozen=True)
class Abandon:
    """Leave the checkout unpaid."""


@dataclass(frozen=True)
class ComeBack:
    """Return to the checkout abandoned in visit `of_visit` and pay for it."""

    of_visit: int
    use_code: bool


@dataclass(frozen=True)
class Refund:
    """The order of visit `of_visit` is refunded."""

    of_visit: int


@dataclass(frozen=True)
class Cancel:
    """The order of visit `of_visit` is cancelled."""

    of_visit: int


Step = View | AddToCart | Checkout | Purchase | Abandon | ComeBack | Refund | Cancel


@dataclass(frozen=True)
class Visit:
    """One shopper's visit at `at` simulated seconds after the run's start."""

    number: int
    at: float
    shopper: Shopper
    steps: tuple[Step, ...]

    def describe(self) -> str:
        """A stable one-line description (what the determinism tests compare)."""
        return f"#{self.number} {self.shopper.key} " + " | ".join(map(describe_step, self.steps))


def describe_step(step: Step) -> str:
    """A stable description of one step."""
    if isinstance(step, View):
        return f"view p{step.product}"
    if isinstance(step, AddToCart):
        return "cart " + ",".join(f"p{product}x{quantity}" for product, quantity in step.lines)
    if isinstance(step, ComeBack):
        return f"come back to #{step.of_visit}" + (" with a code" if step.use_code else "")
    if isinstance(step, Refund | Cancel):
        return f"{type(step).__name__.lower()} #{step.of_visit}"
    return type(step).__name__.lower()


class Planner:
    """An endless, deterministic stream of visits for one store."""

    def __init__(
        self,
        seed: int,
        rates: Rates,
        catalog: Sequence[ProductSpec],
        customer_count: int,
        stream: str = "",
    ) -> None:
        self._rng = random.Random(f"plan:{seed}:{stream}")
        self._rates = rates
        self._catalog = list(catalog)
        self._buyable = [p for p in self._catalog if p.in_stock] or self._catalog
        self._customers = customer_count
        self._numbers = itertools.count(1)
        self._guests = itertools.count(1)
        self._last_guest = 0
        self._follow_ups: list[tuple[float, int, Visit]] = []
        self._next_arrival = self._gap()

    def __iter__(self) -> Iterator[Visit]:
        return self

    def __next__(self) -> Visit:
        if self._follow_ups and self._follow_ups[0][0] <= self._next_arrival:
            return heapq.heappop(self._follow_ups)[2]
        at = self._next_arrival
        self._next_arrival += self._gap()
        return self._new_visit(at)

    def _gap(self) -> float:
        return self._rng.expovariate(self._rates.visits_per_hour / 3600.0)

    def _shopper(self) -> Shopper:
        if self._rng.random() < self._rates.known_shopper:
            return Shopper(customer=self._rng.randrange(self._customers))
        if self._last_guest and self._rng.random() < RETURNING_GUEST_SHARE:
            # The same browser again: it may remember the email typed at an earlier checkout.
            return Shopper(guest=self._rng.randint(1, self._last_guest))
        self._last_guest = next(self._guests)
        return Shopper(guest=self._last_guest)

    def _pick(self, products: Sequence[ProductSpec]) -> ProductSpec:
        return self._rng.choices(products, weights=[p.popularity for p in products])[0]

    def _new_visit(self, at: float) -> Visit:
        number, shopper, rates = next(self._numbers), self._shopper(), self._rates
        viewed = [self._pick(self._catalog) for _ in range(self._rng.choice((1, 1, 2, 2, 3, 4)))]
        steps: list[Step] = [View(p.index) for p in viewed]
        if self._rng.random() < rates.repeat_view:
            steps.append(View(viewed[0].index))
        if self._rng.random() >= rates.add_to_cart:
            return Visit(number, at, shopper, tuple(steps))
        in_stock = [p for p in viewed if p.in_stock] or [self._pick(self._buyable)]
        lines = tuple(dict.fromkeys(p.index for p in in_stock[:2]))
        steps.append(AddToCart(tuple((index, self._rng.choice((1, 1, 2))) for index in lines)))
        if self._rng.random() >= rates.checkout:
            return Visit(number, at, shopper, tuple(steps))
        steps.append(Checkout())
        if self._rng.random() < rates.purchase:
            steps.append(Purchase())
            self._plan_after_order(number, at, shopper)
        else:
            steps.append(Abandon())
            self._plan_come_back(number, at, shopper)
        return Visit(number, at, shopper, tuple(steps))

    def _later(self, at: float, hours: tuple[float, float]) -> float:
        return at + self._rng.uniform(*hours) * 3600

    def _schedule(self, at: float, shopper: Shopper, step: Step) -> int:
        number = next(self._numbers)
        heapq.heappush(self._follow_ups, (at, number, Visit(number, at, shopper, (step,))))
        return number

    def _plan_come_back(self, number: int, at: float, shopper: Shopper) -> None:
        if self._rng.random() >= self._rates.come_back:
            return
        use_code = self._rng.random() < self._rates.use_code
        when = self._later(at, self._rates.come_back_hours)
        self._schedule(when, shopper, ComeBack(number, use_code))
        self._plan_after_order(number, when, shopper)

    def _plan_after_order(self, number: int, at: float, shopper: Shopper) -> None:
        roll = self._rng.random()
        if roll < self._rates.refund:
            self._schedule(self._later(at, self._rates.after_order_hours), shopper, Refund(number))
        elif roll < self._rates.refund + self._rates.cancel:
            self._schedule(self._later(at, self._rates.after_order_hours), shopper, Cancel(number))
