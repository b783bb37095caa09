"""Plain factory functions with sensible defaults (CTFd's gen_* style)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.db.models import Message, Store
from app.security import new_public_key


def make_store(session: Session, **overrides: Any) -> Store:
    """An active Shopify store (override anything)."""
    values: dict[str, Any] = {
        "platform": "shopify",
        "domain": f"shop-{new_public_key(4).lower()}.myshopify.com",
        "key": new_public_key(),
        "status": "active",
        "name": "Test Shop",
        "timezone": "America/New_York",
        "currency": "USD",
    }
    values.update(overrides)
    store = Store(**values)
    session.add(store)
    session.flush()
    return store


def make_message(session: Session, store: Store, **overrides: Any) -> Message:
    """A marketing message to ada@example.com of `store`, already sent (override anything)."""
    values: dict[str, Any] = {
        "store_id": store.id,
        "idempotency_key": f"test:{new_public_key(8)}",
        "recipe": "abandoned_cart",
        "step": 1,
        "to_email": "ada@example.com",
        "subject": "You left something behind",
        "status": "sent",
    }
    values.update(overrides)
    message = Message(**values)
    session.add(message)
    session.flush()
    return message
