"""Waiting for many `discountRedeemCodeBulkAdd` jobs at once, in one aliased query per round.

A bulk add answers at once with a creation that Shopify processes asynchronously. Issuing
10,000 codes starts 40 of them; polling each one separately (and then paging through its
codes) would cost 80+ calls and, under the cost-based throttle, minutes of waiting. Instead
every creation still running is asked for in the same query (`c0: discountRedeemCodeBulkCreation
(id: $c0) { done importedCount failedCount } c1: ...`, about 1 point each), sleeping 0.1 s,
0.2 s, 0.4 s, then 0.5 s between rounds. A creation whose `failedCount` is 0 imported every code
it was given, so its codes need not be read back at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from app.core.ports import Transient
from connectors.shopify.admin_api import AdminApi
from connectors.shopify.mapping.fields import timestamp

#: Creations asked for in one query (≈ 1 point each; the parent's end date adds a few).
ALIASES_PER_QUERY = 50
FIRST_POLL, MAX_POLL_INTERVAL = 0.1, 0.5
POLL_TIMEOUT = 120.0

_STATUS = "id done codesCount importedCount failedCount"
_PARENT_END = (
    "discountCode { codeDiscount { ... on DiscountCodeBasic { endsAt }"
    " ... on DiscountCodeFreeShipping { endsAt } } }"
)


def status_document(count: int) -> str:
    """The query for `count` creations (variables $c0..$c<count-1>); the first one also
    carries the parent discount's end date."""
    variables = ", ".join(f"$c{index}: ID!" for index in range(count))
    fields = " ".join(
        f"c{index}: discountRedeemCodeBulkCreation(id: $c{index}) "
        f"{{ {_STATUS}{' ' + _PARENT_END if index == 0 else ''} }}"
        for index in range(count)
    )
    return f"query NudgeDiscountBulkCreationsStatus({variables}) {{ {fields} }}"


def wait_all(
    api: AdminApi,
    creation_ids: Sequence[str],
    *,
    sleep: Callable[[float], None],
    monotonic: Callable[[], float],
) -> dict[str, Mapping[str, Any]]:
    """Poll until every creation is done; returns each one's final status by id. The parent's
    end date, when seen, is under the key "parentEndsAt" of every status."""
    pending = list(dict.fromkeys(creation_ids))
    finished: dict[str, Mapping[str, Any]] = {}
    deadline = monotonic() + POLL_TIMEOUT
    delay = FIRST_POLL
    ends_at = None
    while pending:
        sleep(delay)
        delay = min(delay * 2, MAX_POLL_INTERVAL)
        for start in range(0, len(pending), ALIASES_PER_QUERY):
            batch = pending[start : start + ALIASES_PER_QUERY]
            variables = {f"c{index}": value for index, value in enumerate(batch)}
            data = api.execute(status_document(len(batch)), variables)
            for index, creation_id in enumerate(batch):
                status = data.get(f"c{index}") or {}
                if index == 0:
                    parent = (status.get("discountCode") or {}).get("codeDiscount") or {}
                    ends_at = timestamp(parent.get("endsAt")) or ends_at
                if status.get("done"):
                    finished[creation_id] = status
        pending = [creation_id for creation_id in pending if creation_id not in finished]
        if pending and monotonic() > deadline:
            # The job retries: codes already added then come back as "already exists".
            raise Transient(f"{len(pending)} discount code creations still running")
    return {key: {**status, "parentEndsAt": ends_at} for key, status in finished.items()}
