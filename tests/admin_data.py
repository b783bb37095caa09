"""Rows and credentials for the admin tests: customers, emails, journeys, session tokens."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import jwt
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import (
    Customer,
    Enrollment,
    IssuedDiscount,
    Message,
    Order,
    RecipeConfig,
    Store,
)
from app.security import new_public_key

API_KEY = "test-shopify-key"
#: Shaped like a real client secret (shpss_ + 32 hex): PyJWT rightly warns about short HMAC keys.
API_SECRET = "shpss_0123456789abcdef0123456789abcdef"


def session_token(shop: str, *, secret: str = API_SECRET, **claims: Any) -> str:
    """A Shopify session token for `shop` as App Bridge would mint it (override any claim)."""
    now = int(time.time())
    payload = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": API_KEY,
        "sub": "42",
        "exp": now + 60,
        "nbf": now - 1,
        "iat": now - 1,
        "jti": new_public_key(8),
        "sid": new_public_key(8),
    }
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, "HS256")


def bearer(shop: str, **claims: Any) -> dict[str, str]:
    """Authorization header with a fresh session token for `shop`."""
    return {"Authorization": f"Bearer {session_token(shop, **claims)}"}


def make_customer(session: Session, store: Store, **overrides: Any) -> Customer:
    """A subscribed customer of `store`."""
    values: dict[str, Any] = {
        "store_id": store.id,
        "platform_id": new_public_key(6),
        "email": f"{new_public_key(5).lower()}@shopper.test",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "consent": "subscribed",
    }
    values.update(overrides)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def make_enrollment(
    session: Session, store: Store, customer: Customer, **overrides: Any
) -> Enrollment:
    """An active abandoned-cart enrollment waiting for its first step in an hour."""
    values: dict[str, Any] = {
        "store_id": store.id,
        "recipe": "abandoned_cart",
        "customer_id": customer.id,
        "trigger_ref": new_public_key(6),
        "state": "active",
        "step": 0,
        "next_run_at": utcnow() + timedelta(hours=1),
        "wait_reason": "scheduled",
    }
    values.update(overrides)
    enrollment = Enrollment(**values)
    session.add(enrollment)
    session.flush()
    return enrollment


def make_message(session: Session, store: Store, customer: Customer, **overrides: Any) -> Message:
    """A delivered abandoned-cart email sent a minute ago."""
    sent = utcnow() - timedelta(minutes=1)
    values: dict[str, Any] = {
        "store_id": store.id,
        "idempotency_key": f"message:{new_public_key(6)}:0",
        "customer_id": customer.id,
        "recipe": "abandoned_cart",
        "step": 0,
        "to_email": customer.email,
        "subject": "You left something behind",
        "status": "delivered",
        "sent_at": sent,
        "delivered_at": sent,
    }
    values.update(overrides)
    message = Message(**values)
    session.add(message)
    session.flush()
    return message


def make_order(session: Session, store: Store, **overrides: Any) -> Order:
    """A paid order placed now."""
    values: dict[str, Any] = {
        "store_id": store.id,
        "platform_id": new_public_key(6),
        "name": f"#{1000 + int(time.time() * 1000) % 9000}",
        "total_price": Decimal("80.00"),
        "financial_status": "paid",
        "placed_at": utcnow(),
    }
    values.update(overrides)
    order = Order(**values)
    session.add(order)
    session.flush()
    return order


def make_code(
    session: Session,
    store: Store,
    customer: Customer,
    *,
    created_at: datetime | None = None,
    **overrides: Any,
) -> IssuedDiscount:
    """An issued 10 % abandoned-cart code."""
    values: dict[str, Any] = {
        "store_id": store.id,
        "idempotency_key": f"code:{new_public_key(6)}",
        "customer_id": customer.id,
        "recipe": "abandoned_cart",
        "code": f"NUDGE-{new_public_key(4).upper()}",
        "kind": "percentage",
        "value": Decimal("10"),
        "status": "issued",
    }
    if created_at is not None:
        values["created_at"] = created_at
    values.update(overrides)
    code = IssuedDiscount(**values)
    session.add(code)
    session.flush()
    return code


def make_recipe_config(
    session: Session, store: Store, recipe: str, **overrides: Any
) -> RecipeConfig:
    """A recipe configuration (off unless told)."""
    config = RecipeConfig(store_id=store.id, recipe=recipe, **overrides)
    session.add(config)
    session.flush()
    return config


POSTAL_ADDRESS = "1 Alpha Street\nSpringfield 12345\nUSA"


def make_ready_to_send(session: Session, store: Store) -> Store:
    """Give `store` what every marketing email needs: a sender address and a postal address."""
    store.email = store.email or "owner@alpha.test"
    store.settings = {**(store.settings or {}), "postal_address": POSTAL_ADDRESS}
    session.flush()
    return store
