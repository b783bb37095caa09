"""`python -m bench.zero_delay_worker [worker args]`: `python -m workers` for the end-to-end
benchmark, with the abandoned-cart recipe's lower bounds (a 1-hour first delay, 15 idle minutes)
lowered to 0 in this process only.

Merchants keep those bounds on purpose: an email sent while the shopper is still on the checkout
page is not a reminder. The benchmark sets the delay to 0 to measure the pipeline itself
(webhook, worker, step, render, send) rather than the wait; every other line is the real worker.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from app.core.recipes.abandoned_cart import AbandonedCart

#: Field → the bound the benchmark uses.
ZERO_BOUNDS = {"step_delays_hours": 0, "idle_minutes": 0}


@contextmanager
def zero_delay() -> Iterator[None]:
    """Within the block, abandoned-cart settings validate with no delay and no idle time."""
    schema = AbandonedCart.schema
    allow_zero_delay()
    try:
        yield
    finally:
        AbandonedCart.schema = schema


def allow_zero_delay() -> None:
    """From now on in this process, abandoned-cart settings may have no delay or idle time."""
    schema = AbandonedCart.schema
    fields = tuple(
        dataclasses.replace(item, minimum=ZERO_BOUNDS[item.name])
        if item.name in ZERO_BOUNDS
        else item
        for item in schema.fields
    )
    AbandonedCart.schema = dataclasses.replace(schema, fields=fields)


if __name__ == "__main__":
    allow_zero_delay()
    from workers.__main__ import main

    sys.exit(main())
