"""The catch-up poll: read what changed since the last poll, so no change is lost.

WooCommerce never retries a failed delivery and disables a webhook after repeated failures
(research/woocommerce.md §2.5), and deliveries can lag for hours behind WP-Cron (§2.3). So every
store is polled with `modified_after`, and what is read is handed to the inbox under the same
event id a webhook delivery of that state would have (`webhooks.event_identity`): a change seen
by both is processed once.

Paging is keyset by modification time (`orderby=modified&order=asc`, the next request starting at
the newest time seen, less a second because WP's `after` is exclusive): page-number offsets
would skip an item whenever another one changed mid-walk and shifted the pages. Customers have no
`modified_after` filter in wc/v3, so they are swept by id a few pages per run instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.core.ports import Permanent
from connectors.woocommerce.client import WooClient
from connectors.woocommerce.mapping import MappingError, modified_at
from connectors.woocommerce.webhooks import event_identity

#: Polled collections: name → (endpoint, resource, extra filters). Drafts are asked for apart
#: because not every store includes `checkout-draft` in the default `any` status.
POLLED: dict[str, tuple[str, str, dict[str, str]]] = {
    "orders": ("orders", "order", {}),
    "checkout_drafts": ("orders", "order", {"status": "checkout-draft"}),
    "products": ("products", "product", {}),
}
#: Re-read this much before the last watermark: a row can commit after a later-stamped one.
OVERLAP = timedelta(minutes=5)
_TIE_STEP = timedelta(seconds=1)


@dataclass(frozen=True)
class RawChange:
    """One resource state read from the store, ready for the inbox."""

    topic: str
    external_id: str
    body: str


@dataclass(frozen=True)
class ChangeBatch:
    """What one poll read, where the next poll starts, and whether it reached the end."""

    changes: tuple[RawChange, ...]
    watermark: datetime
    complete: bool


def poll_modified(
    client: WooClient, collection: str, since: datetime, *, max_pages: int = 20
) -> ChangeBatch:
    """Everything in `collection` modified after `since` (up to `max_pages` requests)."""
    endpoint, resource, filters = POLLED[collection]
    cursor, page, newest = since, 1, since
    changes: dict[str, RawChange] = {}
    for _ in range(max_pages):
        params = {**filters, **_window(cursor)}
        try:
            current = client.page(endpoint, params, page)
        except Permanent:
            if filters:  # the store does not know this status: nothing to read there
                return ChangeBatch((), since, complete=True)
            raise
        page_newest = _collect(current.items, resource, changes)
        newest = max(newest, page_newest or newest)
        if current.next_page is None:
            return ChangeBatch(tuple(changes.values()), newest, complete=True)
        if page_newest is not None and page_newest - _TIE_STEP > cursor:
            cursor, page = page_newest - _TIE_STEP, 1
        else:  # a whole page within one second: step through it by page number
            page += 1
    return ChangeBatch(tuple(changes.values()), cursor, complete=False)


def sweep_customers(client: WooClient, page: int, *, pages: int = 5) -> tuple[list[RawChange], int]:
    """Read `pages` pages of customers from `page`; returns the changes and the next page
    (1 again after the last, so the sweep goes round)."""
    changes: dict[str, RawChange] = {}
    number = page
    for _ in range(pages):
        current = client.page("customers", {"orderby": "id", "order": "asc"}, number)
        _collect(current.items, "customer", changes)
        if current.next_page is None:
            return list(changes.values()), 1
        number = current.next_page
    return list(changes.values()), number


def raw_change(resource: str, item: Mapping[str, Any]) -> RawChange:
    """A polled item as the inbox stores it, named like a webhook delivery of the same state."""
    topic = f"{resource}.updated"
    body = json.dumps(item, separators=(",", ":"), ensure_ascii=False)
    return RawChange(topic=topic, external_id=event_identity(topic, item, None), body=body)


def _collect(
    items: list[dict[str, Any]], resource: str, changes: dict[str, RawChange]
) -> datetime | None:
    newest: datetime | None = None
    for item in items:
        try:
            change = raw_change(resource, item)
        except MappingError:
            continue  # an item without an id cannot be mirrored; nothing to hand on
        changes.setdefault(change.external_id, change)
        stamp = modified_at(item)
        if stamp is not None and (newest is None or stamp > newest):
            newest = stamp
    return newest


def _window(since: datetime) -> dict[str, str]:
    # dates_are_gmt: without it Woo reads modified_after in the site's time zone.
    return {
        "modified_after": since.strftime("%Y-%m-%dT%H:%M:%S"),
        "dates_are_gmt": "true",
        "orderby": "modified",
        "order": "asc",
    }
