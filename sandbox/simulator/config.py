"""The simulator's knobs: how many products and customers, how shoppers behave, how fast."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The app refuses pixel events older than two days (connectors/shopify/mapping/pixel.py), so a
#: fast-forwarded history stays inside that window.
MAX_FAST_FORWARD_HOURS = 47.0


class ConfigError(ValueError):
    """A simulator setting is out of range; the message names it."""


@dataclass(frozen=True)
class Rates:
    """How shoppers behave. Probabilities are per visit (or per checkout, per order)."""

    #: Visits per simulated hour, per store.
    visits_per_hour: float = 30.0
    #: A visitor is a seeded customer (else a guest with a fresh email).
    known_shopper: float = 0.75
    #: A visit looks at one product more than once (the product-interest recipe's trigger).
    repeat_view: float = 0.35
    #: A visit puts something in the cart.
    add_to_cart: float = 0.45
    #: A cart goes on to checkout with an email.
    checkout: float = 0.75
    #: A checkout is paid at once (else it is abandoned).
    purchase: float = 0.4
    #: The shopper of an abandoned checkout comes back later to buy it.
    come_back: float = 0.5
    #: A returning shopper uses a Nudge code found in their inbox.
    use_code: float = 0.8
    #: An order is refunded later.
    refund: float = 0.05
    #: An order is cancelled later.
    cancel: float = 0.03
    #: Hours before an abandoned checkout's shopper comes back (uniform between the two).
    come_back_hours: tuple[float, float] = (1.5, 30.0)
    #: Hours before a refund or cancellation (uniform between the two).
    after_order_hours: tuple[float, float] = (2.0, 48.0)

    def validate(self) -> None:
        """Raise ConfigError naming the first bad value."""
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            numbers = value if isinstance(value, tuple) else (value,)
            if len(numbers) not in (1, 2) or not all(_is_number(n) for n in numbers):
                raise ConfigError(f"{item.name}: expected a number (or a [low, high] pair)")
            if isinstance(value, tuple):
                low, high = value
                if not 0 <= low <= high:
                    raise ConfigError(f"{item.name}: expected 0 <= low <= high, got {value}")
            elif item.name == "visits_per_hour":
                if not 0 < value <= 100_000:
                    raise ConfigError("visits_per_hour: expected a number above 0")
            elif not 0.0 <= value <= 1.0:
                raise ConfigError(f"{item.name}: a probability between 0 and 1, got {value}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class SimulatorConfig:
    """What to seed and how to drive it. Same config (seed included) → same actions."""

    seed: int = 1
    products: int = 24
    customers: int = 40
    rates: Rates = field(default_factory=Rates)
    #: Start the simulated clock this many hours in the past (0: real time throughout).
    fast_forward_hours: float = 0.0
    #: Simulated seconds per real second while the clock is behind real time.
    speed: float = 60.0

    def __post_init__(self) -> None:
        for name in ("seed", "products", "customers", "fast_forward_hours", "speed"):
            if not _is_number(getattr(self, name)):
                raise ConfigError(f"{name}: expected a number")
        if not 1 <= self.products <= 2000:
            raise ConfigError("products: expected 1 to 2000")
        if not 1 <= self.customers <= 100_000:
            raise ConfigError("customers: expected 1 to 100000")
        if not 0 <= self.fast_forward_hours <= MAX_FAST_FORWARD_HOURS:
            raise ConfigError(
                f"fast_forward_hours: expected 0 to {MAX_FAST_FORWARD_HOURS} (the app drops "
                "storefront events older than two days)"
            )
        if not 1 <= self.speed <= 100_000:
            raise ConfigError("speed: expected 1 to 100000")
        self.rates.validate()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> SimulatorConfig:
        """Build from plain data ({"seed": 3, "rates": {"purchase": 0.5}, ...})."""
        data = dict(raw)
        rates = data.pop("rates", None) or {}
        unknown = set(data) - {f.name for f in dataclasses.fields(cls)}
        unknown |= {f"rates.{k}" for k in set(rates) - {f.name for f in dataclasses.fields(Rates)}}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        rate_values = {k: tuple(v) if isinstance(v, list) else v for k, v in rates.items()}
        try:
            return cls(rates=Rates(**rate_values), **data)
        except TypeError as error:
            raise ConfigError(str(error)) from None
