"""What a recipe is: pure planning over facts the engine loads, with no I/O of its own.

A recipe answers four questions, each a pure function of values:
- `decide`: should this trigger enroll the customer (and when is step 0 due)?
- `evaluate`: for the enrollment's current step, exit now, or when is it due?
- `compose`: what does the step's email show (products, link, discount action)?
- `step_count` / `category`: how many steps, and is it marketing or transactional mail?
The engine loads the facts (app/core/facts.py), applies the policies, and performs every side
effect; the recipe never touches the database, a connector or the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeVar

from app.core.messaging.contracts import EmailProduct
from app.core.settings_schema import Schema

F_contra = TypeVar("F_contra", contravariant=True)

DiscountAction = Literal["issue", "reuse"]
Category = Literal["marketing", "transactional"]


@dataclass(frozen=True)
class Exit:
    """Leave the recipe now, for this reason (order_placed, cart_emptied, ...)."""

    reason: str


@dataclass(frozen=True)
class Due:
    """The current step is due at `at` (in the past: now). `reason` explains a wait."""

    at: datetime
    reason: str = "scheduled"


Evaluation = Exit | Due


@dataclass(frozen=True)
class Enroll:
    """Start an enrollment keyed by `trigger_ref`, step 0 due at `due`."""

    trigger_ref: str
    due: datetime
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Skip:
    """Do not enroll, for this reason (kept for the dry run's report)."""

    reason: str


Decision = Enroll | Skip


@dataclass(frozen=True)
class PastEnrollment:
    """An earlier enrollment of the same customer in the same recipe."""

    trigger_ref: str
    created_at: datetime
    #: At least one step went out (or was recorded for the holdout group).
    messaged: bool
    #: Still waiting for a step.
    open: bool


@dataclass(frozen=True)
class Content:
    """What a step's email shows, and whether it carries a code."""

    products: tuple[EmailProduct, ...]
    cta_url: str
    subtotal: Decimal | None = None
    currency: str | None = None
    discount: DiscountAction | None = None
    #: Restrict an issued code to these products (product interest).
    discount_products: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)


class Recipe(Protocol[F_contra]):
    """A recipe over facts of type F (see each recipe module for its facts)."""

    name: str
    title: str
    schema: Schema

    def step_count(self, settings: Mapping[str, Any]) -> int:
        """How many steps (emails) the recipe has with these settings."""
        ...

    def category(self, settings: Mapping[str, Any]) -> Category:
        """Marketing (needs consent, counts against the frequency cap) or transactional."""
        ...

    def decide(
        self,
        facts: F_contra,
        history: tuple[PastEnrollment, ...],
        settings: Mapping[str, Any],
        now: datetime,
    ) -> Decision:
        """Whether a trigger with these facts enrolls the customer."""
        ...

    def evaluate(
        self,
        step: int,
        facts: F_contra,
        settings: Mapping[str, Any],
        context: Mapping[str, Any],
        now: datetime,
    ) -> Evaluation:
        """Exit now, or when `step` is due."""
        ...

    def compose(
        self, step: int, facts: F_contra, settings: Mapping[str, Any], context: Mapping[str, Any]
    ) -> Content | Exit:
        """The email content for `step`, or an exit when there is nothing worth sending."""
        ...


def marketing(_settings: Mapping[str, Any]) -> Category:
    """The category of recipes that are always marketing."""
    return "marketing"


def iso(instant: datetime) -> str:
    """A UTC instant as stored in an enrollment's context."""
    return instant.isoformat()


def from_iso(text: str) -> datetime:
    """An instant read back from an enrollment's context."""
    return datetime.fromisoformat(text)
