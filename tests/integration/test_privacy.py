"""Compliance: a shopper's export, a shopper's erasure (nothing personal left in any table),
a shop's erasure, each audited."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, text

from app.core import privacy
from app.core.inbox import accept_event
from app.core.values import (
    CustomerDataRequested,
    CustomerRedactRequested,
    ShopRedactRequested,
)
from app.db import Base
from app.db.base import utcnow
from app.db.models import (
    AuditEntry,
    Cart,
    Customer,
    DataExport,
    Enrollment,
    InboundEvent,
    IssuedDiscount,
    Message,
    Order,
    OrderLine,
    ProductView,
    Suppression,
)
from tests.factories import make_store

EMAIL = "Ada.Lovelace@Example.com"
PERSONAL = (
    "ada.lovelace@example.com",
    "Lovelace",
    "Ada",
    "visitor-ada-1",
    "cust-4242",  # the platform's customer id (distinct from any timestamp digits)
    "recover?key=ada",
)


def footprint(session, store) -> Customer:
    """Everything Nudge can hold about one shopper, in every table that can hold it."""
    now = utcnow()
    ada = Customer(
        store_id=store.id, platform_id="cust-4242", email="ada.lovelace@example.com",
        first_name="Ada", last_name="Lovelace", consent="subscribed", birth_month=12,
        birth_day=10, birth_year=1815, timezone="Europe/London", locale="en-GB", tags=["vip"],
        orders_count=2, total_spent=Decimal("80"),
    )  # fmt: skip
    other = Customer(store_id=store.id, platform_id="77", email="grace@example.com")
    session.add_all([ada, other])
    session.flush()
    order = Order(
        store_id=store.id, platform_id="9001", customer_id=ada.id,
        email="ada.lovelace@example.com", placed_at=now, total_price=Decimal("40"),
        lines=[OrderLine(store_id=store.id, title="Mug", quantity=1, price=Decimal("40"))],
    )  # fmt: skip
    guest_order = Order(
        store_id=store.id, platform_id="9002", email="ada.lovelace@example.com", placed_at=now
    )
    cart = Cart(
        store_id=store.id, kind="checkout", platform_token="tok-1", customer_id=ada.id,
        email="ada.lovelace@example.com", platform_updated_at=now,
        recovery_url="https://shop.example/checkouts/tok-1/recover?key=ada",
        lines=[{"title": "Mug", "quantity": 1, "price": "40"}],
    )  # fmt: skip
    enrollment = Enrollment(
        store_id=store.id, recipe="abandoned_cart", customer_id=ada.id, trigger_ref="tok-1",
        state="active", next_run_at=now + timedelta(hours=1),
        context={"email": "ada.lovelace@example.com", "first_name": "Ada"},
    )  # fmt: skip
    session.add_all([order, guest_order, cart, enrollment])
    session.flush()
    discount = IssuedDiscount(
        store_id=store.id, idempotency_key=f"code:{enrollment.id}", enrollment_id=enrollment.id,
        customer_id=ada.id, recipe="abandoned_cart", code="CART-AAAA2222", kind="percentage",
        value=Decimal("10"), spec={"email": "ada.lovelace@example.com", "label": "10% off"},
        status="issued",
    )  # fmt: skip
    session.add(discount)
    session.flush()
    session.add_all(
        [
            Message(
                store_id=store.id,
                idempotency_key=f"message:{enrollment.id}:0",
                enrollment_id=enrollment.id,
                customer_id=ada.id,
                recipe="abandoned_cart",
                step=0,
                to_email="ada.lovelace@example.com",
                subject="Ada, your mug is waiting",
                status="sent",
                payload={"html": "<p>Hi Ada Lovelace</p>"},
                discount_id=discount.id,
            ),  # fmt: skip
            ProductView(
                store_id=store.id,
                visitor_id="visitor-ada-1",
                customer_id=ada.id,
                product_platform_id="p1",
                viewed_at=now,
            ),  # fmt: skip
            ProductView(  # viewed before she identified herself: same browser
                store_id=store.id,
                visitor_id="visitor-ada-1",
                customer_id=None,
                product_platform_id="p2",
                viewed_at=now,
            ),  # fmt: skip
            Suppression(store_id=store.id, email="ada.lovelace@example.com", reason="bounced"),
            DataExport(
                store_id=store.id,
                request_ref="1",
                customer_id=ada.id,
                customer_platform_id="cust-4242",
                email="ada.lovelace@example.com",
                data={"customers": [{"first_name": "Ada"}]},
            ),  # fmt: skip
        ]
    )
    for index, body in enumerate(
        (
            {"id": "cust-4242", "email": EMAIL, "first_name": "Ada", "last_name": "Lovelace"},
            {"clientId": "visitor-ada-1", "data": {"productVariant": {"product": {"id": "p1"}}}},
            {"id": 77, "email": "grace@example.com"},
        )
    ):
        accept_event(
            session, platform="shopify", store_id=store.id, external_id=f"evt-{index}",
            topic="customers/update", body=json.dumps(body),
        )  # fmt: skip
    session.flush()
    return ada


def every_value(session, store) -> str:
    """Every stored value of every table (this store's rows where a table is per store), as one
    lower-cased text. Other tests' shoppers in a shared database are not this shopper's data."""
    chunks = []
    for table in Base.metadata.sorted_tables:
        query = select(table)
        if "store_id" in table.c:
            query = query.where(table.c.store_id == store.id)
        for row in session.execute(query).all():
            chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks).lower()


def leaked_needles(text: str) -> list[str]:
    """The personal values found in text as whole tokens: "ada" inside a random hex digest
    ("3ada5f") is not the shopper's name, "Ada" next to a space or "@" is."""
    return [
        needle
        for needle in PERSONAL
        if re.search(rf"(?<![a-z0-9]){re.escape(needle.lower())}(?![a-z0-9])", text)
    ]


def test_a_redacted_customer_leaves_no_personal_data_in_any_table(session) -> None:
    store = make_store(session)
    ada = footprint(session, store)
    assert leaked_needles(every_value(session, store)) == list(PERSONAL)

    counts = privacy.erase_customer(
        session, store, platform_id="cust-4242", email=EMAIL, order_platform_ids=("9001",),
        reason="redact_request",
    )  # fmt: skip
    session.flush()
    session.expire_all()

    remaining = every_value(session, store)
    leaked = leaked_needles(remaining)
    assert not leaked, f"personal data left behind: {leaked}"
    # Anonymous aggregates stay: the tombstone, the orders' totals, the message's status.
    tombstone = session.get(Customer, ada.id)
    assert tombstone.redacted_at is not None and tombstone.consent == "redacted"
    assert (tombstone.birth_year, tombstone.birth_month, tombstone.timezone) == (None, None, None)
    assert tombstone.orders_count == 2 and tombstone.total_spent == Decimal("80")
    assert session.execute(select(func.sum(Order.total_price))).scalar_one() == Decimal("40")
    assert session.execute(select(Message.status)).scalar_one() == "sent"
    assert session.execute(select(func.count()).select_from(ProductView)).scalar_one() == 2
    enrollment = session.execute(select(Enrollment)).scalar_one()
    assert enrollment.state == "exited" and enrollment.exit_reason == "redacted"
    # The other shopper is untouched.
    assert session.execute(select(Customer.email).where(Customer.platform_id == "77")).scalar_one()
    assert "grace@example.com" in remaining
    audit = session.execute(
        select(AuditEntry).where(AuditEntry.action == "privacy.customer_erased")
    ).scalar_one()
    assert not leaked_needles(audit.subject.lower()) and audit.detail["counts"] == counts
    assert counts["orders"] == 2 and counts["inbound_events"] == 2


def test_redaction_is_safe_to_repeat_and_for_unknown_shoppers(session) -> None:
    store = make_store(session)
    footprint(session, store)
    privacy.erase_customer(session, store, platform_id="cust-4242", email=EMAIL, reason="x")
    again = privacy.erase_customer(session, store, platform_id="cust-4242", email=EMAIL, reason="x")
    nobody = privacy.erase_customer(session, store, platform_id="1", email="no@x.io", reason="x")
    assert again["customers"] == 0 and nobody["customers"] == 0


def test_a_data_request_is_exported_for_the_merchant_and_audited(session) -> None:
    store = make_store(session)
    footprint(session, store)
    export = privacy.export_customer(
        session,
        store,
        CustomerDataRequested(
            request_id="555", customer_platform_id="cust-4242", email=EMAIL, order_platform_ids=()
        ),
    )
    data = export.data
    assert data["customers"][0]["email"] == "ada.lovelace@example.com"
    assert {order["platform_id"] for order in data["orders"]} == {"9001", "9002"}
    assert data["carts"][0]["email"] == "ada.lovelace@example.com"
    assert data["messages"][0]["subject"].startswith("Ada")
    assert data["enrollments"][0]["recipe"] == "abandoned_cart"
    assert len(data["product_views"]) == 1 and data["suppressions"][0]["reason"] == "bounced"
    assert data["discounts"][0]["code"] == "CART-AAAA2222"
    json.dumps(data)  # plain JSON, ready to hand over
    audit = session.execute(
        select(AuditEntry).where(AuditEntry.action == "privacy.data_exported")
    ).scalar_one()
    assert audit.detail["export_id"] == export.id and audit.detail["counts"]["orders"] == 2


def test_shop_redaction_erases_everything_but_the_audit_trail(session) -> None:
    store = make_store(session, status="uninstalled", email="owner@shop.example")
    footprint(session, store)
    other_store = make_store(session)
    footprint(session, other_store)
    source = session.execute(
        select(InboundEvent.id).where(InboundEvent.store_id == store.id).limit(1)
    ).scalar_one()

    assert privacy.erase_shop(session, store, source_event_id=source)
    session.flush()

    for table in Base.metadata.sorted_tables:
        if "store_id" in table.c and table.name not in ("audit_entries", "inbound_events"):
            rows = session.execute(
                select(func.count()).select_from(table).where(table.c.store_id == store.id)
            ).scalar_one()
            assert rows == 0, table.name
    assert (
        session.execute(
            select(func.count()).select_from(InboundEvent).where(InboundEvent.store_id == store.id)
        ).scalar_one()
        == 1
    )  # only the event being processed
    assert store.name == "" and store.email is None and store.credentials_encrypted is None
    assert (
        session.execute(select(AuditEntry.action).where(AuditEntry.store_id == store.id))
        .scalars()
        .all()[-1]
        == "privacy.shop_erased"
    )
    # The other shop keeps everything.
    assert (
        session.execute(
            select(func.count()).select_from(Customer).where(Customer.store_id == other_store.id)
        ).scalar_one()
        == 2
    )


def test_an_active_shop_is_not_erased(session) -> None:
    store = make_store(session)  # reinstalled since the uninstall
    footprint(session, store)
    assert not privacy.erase_shop(session, store)
    assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 2


def test_privacy_events_dispatch(session) -> None:
    store = make_store(session)
    footprint(session, store)
    privacy.apply(
        session, store, CustomerRedactRequested(customer_platform_id="cust-4242", email=None)
    )
    assert session.execute(text("SELECT count(*) FROM customers WHERE email IS NULL")).scalar() == 1
    store.status = "uninstalled"
    privacy.apply(session, store, ShopRedactRequested())
    assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 0


def test_an_erased_shopper_who_comes_back_is_still_not_emailed(session) -> None:
    from app.core.messaging.unsubscribe import is_suppressed, unsubscribe
    from app.core.policies import suppression_reason
    from app.core.privacy import erase_customer
    from app.db.models import Customer

    store = make_store(session)
    customer = Customer(store_id=store.id, platform_id="7", email="gone@example.com")
    session.add(customer)
    session.flush()
    unsubscribe(session, store, "gone@example.com", source="page")
    erase_customer(session, store, platform_id="7", email="gone@example.com", reason="test")
    session.flush()
    stored = session.execute(select(Suppression.email)).scalars().all()
    assert stored and all("gone@example.com" not in value for value in stored)
    # The same address arrives again with a new order: still suppressed, for the same reason.
    assert is_suppressed(session, store, "Gone@Example.com")
    assert suppression_reason(session, store, "gone@example.com") == "unsubscribed"
