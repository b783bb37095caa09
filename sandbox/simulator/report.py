"""What a run did: the planned visits it carried out (deterministic) and what came of them."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SeedReport:
    """What seeding created in one store, and what was already there."""

    store: str
    products_created: int
    products_existing: int
    customers_created: int
    customers_existing: int


@dataclass
class RunReport:
    """Counters and logs of a run, safe to update from the store threads."""

    #: "store: visit description" per visit carried out, in order per store.
    actions: list[str] = field(default_factory=list)
    #: What happened that depends on the environment (codes found, orders placed, errors).
    outcomes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def action(self, store: str, description: str) -> None:
        """Record a visit carried out."""
        with self._lock:
            self.actions.append(f"{store}: {description}")

    def outcome(self, store: str, text: str, counter: str | None = None) -> None:
        """Record something that happened (and bump `counter`)."""
        with self._lock:
            self.outcomes.append(f"{store}: {text}")
            if counter:
                self.counts[f"{store} {counter}"] += 1

    def count(self, store: str, counter: str, amount: int = 1) -> None:
        """Bump a counter."""
        with self._lock:
            self.counts[f"{store} {counter}"] += amount

    def error(self, store: str, text: str) -> None:
        """Record a failed step (the run goes on)."""
        with self._lock:
            self.errors.append(f"{store}: {text}")
            self.counts[f"{store} errors"] += 1

    def actions_of(self, store: str) -> list[str]:
        """The visits carried out in one store, in order."""
        prefix = f"{store}: "
        with self._lock:
            return [line[len(prefix) :] for line in self.actions if line.startswith(prefix)]

    def total(self, counter: str) -> int:
        """A counter summed over the stores."""
        with self._lock:
            return sum(value for key, value in self.counts.items() if key.endswith(f" {counter}"))
