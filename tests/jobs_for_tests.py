"""Job functions the worker tests enqueue by name (RQ imports jobs by dotted path)."""

from __future__ import annotations

import time

from app.core.ports import AuthRevoked, Permanent, RateLimited, Transient
from workers.runtime import job


@job
def raise_rate_limited(retry_after: float) -> None:
    raise RateLimited("slow down", retry_after=retry_after)


@job
def raise_transient() -> None:
    raise Transient("503 from platform")


@job
def raise_permanent() -> None:
    raise Permanent("userErrors: code taken")


@job
def raise_auth_revoked() -> None:
    raise AuthRevoked("token revoked")


def sleep_then_write(path: str, seconds: float) -> None:
    time.sleep(seconds)
    with open(path, "w") as handle:
        handle.write("finished")
