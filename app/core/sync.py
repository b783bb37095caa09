"""The initial backfill: page through a store's data with its connector into the mirror.

Resumable: after each page the cursor is committed in `Store.sync_state[resource]`, so a crash
or a retry continues where the last committed page ended (an item seen twice is just upserted
twice). Backfilled rows go to the mirror without waking the recipes: history is not a trigger.
No transaction stays open across a connector call (a token refresh must be able to commit).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from app.core.events import apply_event
from app.core.ports import StoreConnector
from app.core.values import (
    CartUpserted,
    CustomerUpserted,
    OrderUpserted,
    Page,
    ProductUpserted,
    StoreEvent,
)
from app.db.base import utcnow
from app.db.models import Store

log = logging.getLogger(__name__)

Resource = Literal["customers", "products", "orders", "carts"]
RESOURCES: tuple[Resource, ...] = ("customers", "products", "orders", "carts")
#: How far back "recent" reaches for orders and open checkouts on first sync.
LOOKBACK: dict[str, timedelta] = {"orders": timedelta(days=60), "carts": timedelta(days=30)}

Outcome = Literal["done", "more", "stopped"]


@dataclass(frozen=True)
class _Source:
    fetch: Callable[[StoreConnector, str | None, datetime | None], Page[Any]]
    event: Callable[[Any], StoreEvent]


_SOURCES: dict[str, _Source] = {
    "customers": _Source(lambda c, cursor, _s: c.list_customers(cursor), CustomerUpserted),
    "products": _Source(lambda c, cursor, _s: c.list_products(cursor), ProductUpserted),
    "orders": _Source(lambda c, cursor, since: c.list_orders(cursor, since), OrderUpserted),
    "carts": _Source(lambda c, cursor, since: c.list_open_carts(cursor, since), CartUpserted),
}


def progress(store: Store, resource: str) -> dict[str, Any]:
    """The stored progress of one resource's backfill (a copy)."""
    return dict((store.sync_state or {}).get(resource) or {})


def start(session: Session, store: Store, resources: tuple[str, ...] = RESOURCES) -> None:
    """(Re)start the backfill of `resources` from the beginning; the caller commits."""
    now = utcnow()
    state = dict(store.sync_state or {})
    for resource in resources:
        since = now - LOOKBACK[resource] if resource in LOOKBACK else None
        state[resource] = {
            "cursor": None,
            "done": False,
            "count": 0,
            "since": since.isoformat() if since else None,
            "started_at": now.isoformat(),
        }
    store.sync_state = state


def _save(session: Session, store: Store, resource: str, state: dict[str, Any]) -> None:
    # Reassign the whole document: in-place changes to a JSON column are not tracked.
    store.sync_state = {**(store.sync_state or {}), resource: state}
    session.commit()


def backfill(
    session: Session,
    store: Store,
    connector: StoreConnector,
    resource: str,
    *,
    max_pages: int = 50,
) -> Outcome:
    """Mirror up to `max_pages` pages of `resource`; "more" when pages remain."""
    source = _SOURCES[resource]
    for _page in range(max_pages):
        session.refresh(store)
        state = progress(store, resource)
        if not store.is_active:
            session.commit()
            log.info("backfill of %s stopped: store %s is %s", resource, store.id, store.status)
            return "stopped"
        if state.get("done"):
            session.commit()
            return "done"
        since = datetime.fromisoformat(state["since"]) if state.get("since") else None
        session.commit()  # no transaction across the platform call
        page = source.fetch(connector, state.get("cursor"), since)
        for item in page.items:
            apply_event(session, store, source.event(item))
        state["cursor"] = page.next_cursor
        state["count"] = int(state.get("count") or 0) + len(page.items)
        state["done"] = page.next_cursor is None
        if state["done"]:
            state["finished_at"] = utcnow().isoformat()
        _save(session, store, resource, state)
    return "done" if progress(store, resource).get("done") else "more"


def unfinished(store: Store) -> list[str]:
    """Resources whose backfill started and has not finished (for the nightly catch-up)."""
    return [
        resource
        for resource, state in (store.sync_state or {}).items()
        if resource in _SOURCES and isinstance(state, dict) and not state.get("done")
    ]
