"""One shopper touching every table, then `customers/redact`: afterwards no column of any table
holds their email, name, phone or address, in any letter case, while another shopper's data and
the anonymous aggregates stay.

The shopper's footprint is built the way Nudge builds it: webhook bodies as the platforms send
them (a Shopify order with billing and shipping addresses and a phone, a customer update, a
pixel view, a WooCommerce storefront cart, a SendGrid event batch, which belongs to no store),
mirror rows, a journey with its code and emails, an attributed order, a suppression, a data
export made for a `customers/data_request`, and the audit trail. The test checks itself too:
every table holds the shopper's data before the erasure (none is skipped by accident), and
every personal string is found somewhere before it is looked for afterwards.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.core import privacy
from app.core.inbox import accept_event
from app.core.values import MESSAGE_ID_ARG, STORE_KEY_ARG, CustomerDataRequested
from app.db import Base
from app.db.base import utcnow
from app.db.models import (
    Attribution,
    Cart,
    Customer,
    Enrollment,
    IssuedDiscount,
    Message,
    Order,
    OrderLine,
    ProcessedEmailEvent,
    ProductView,
    Suppression,
)
from tests.factories import make_store

EMAIL = "zebulon.quaxley@example.com"
PERSONAL = {
    "email": EMAIL,
    "first name": "Zebulon",
    "last name": "Quaxley",
    "phone": "+1-613-555-0142",
    "address": "742 Evergreen Terrace",
    "second address line": "Apartment 9Z",
    "city": "Quaxleyville",
    "postcode": "K2P 9Q9",
    "platform id": "cust-80417",
    "browser id": "browser-zq-1",
}
#: Tables that never hold a shopper's personal data, and why.
NOT_PERSONAL = {
    "stores": "the merchant's store",
    "products": "catalog",
    "variants": "catalog",
    "recipe_configs": "merchant settings",
    "processed_email_events": "provider event ids and outcomes only",
    "order_lines": "products, quantities and prices of an order",
    "attributions": "which message earned which order: ids, recipe, revenue",
    "audit_entries": "one-way references only (checked below)",
}
ADDRESS = {
    "first_name": "Zebulon",
    "last_name": "Quaxley",
    "address1": "742 Evergreen Terrace",
    "address2": "Apartment 9Z",
    "city": "Quaxleyville",
    "zip": "K2P 9Q9",
    "phone": "+1-613-555-0142",
}


def shopper_footprint(session, store) -> int:
    """Every row Nudge can hold about the shopper; returns the customer id."""
    now = utcnow()
    zeb = Customer(
        store_id=store.id, platform_id="cust-80417", email=EMAIL, first_name="Zebulon",
        last_name="Quaxley", consent="subscribed", birth_month=2, birth_day=29,
        timezone="America/Toronto", locale="en-CA", tags=["Quaxley family"],
    )  # fmt: skip
    session.add(zeb)
    session.flush()
    enrollment = Enrollment(
        store_id=store.id, recipe="abandoned_cart", customer_id=zeb.id, trigger_ref="cart-zq",
        state="active", next_run_at=now + timedelta(hours=1),
        context={"email": EMAIL, "first_name": "Zebulon", "phone": ADDRESS["phone"]},
        last_error=f"deferred for {EMAIL}",
    )  # fmt: skip
    order = Order(
        store_id=store.id, platform_id="5001", customer_id=zeb.id, email=EMAIL, placed_at=now,
        total_price=Decimal("48"), name="#5001",
        lines=[OrderLine(store_id=store.id, title="Mug", quantity=1, price=Decimal("48"))],
    )  # fmt: skip
    cart = Cart(
        store_id=store.id, platform_token="cart-zq", customer_id=zeb.id, email=EMAIL,
        platform_updated_at=now, recovery_url=f"https://shop.example/cart/zq?email={EMAIL}",
        lines=[{"title": "Mug", "quantity": 1, "price": "48"}],
    )  # fmt: skip
    session.add_all([enrollment, order, cart])
    session.flush()
    code = IssuedDiscount(
        store_id=store.id, idempotency_key=f"code:{enrollment.id}", enrollment_id=enrollment.id,
        customer_id=zeb.id, recipe="abandoned_cart", code="CART-ZQ42", kind="percentage",
        value=Decimal("10"), spec={"email": EMAIL, "label": "10 %"}, status="redeemed",
        redeemed_order_id=order.id,
    )  # fmt: skip
    session.add(code)
    session.flush()
    message = Message(
        store_id=store.id, idempotency_key=f"message:{enrollment.id}:1",
        enrollment_id=enrollment.id, customer_id=zeb.id, recipe="abandoned_cart", step=1,
        to_email=EMAIL, subject="Zebulon, your mug is waiting", status="clicked",
        provider_message_id="sg-zq-1", discount_id=code.id, sent_at=now, clicked_at=now,
        payload={"html": "<p>Hi Zebulon Quaxley</p>", "text": "Hi Zebulon"},
        error=f"451 temporary failure for {EMAIL}",
    )  # fmt: skip
    session.add(message)
    session.flush()
    session.add_all(
        [
            Attribution(
                store_id=store.id,
                order_id=order.id,
                message_id=message.id,
                customer_id=zeb.id,
                recipe="abandoned_cart",
                step=1,
                reason="code",
                revenue=Decimal("48"),
                placed_at=now,
            ),  # fmt: skip
            ProductView(
                store_id=store.id,
                visitor_id="browser-zq-1",
                customer_id=zeb.id,
                product_platform_id="7",
                viewed_at=now,
            ),  # fmt: skip
            ProductView(  # before she was known: same browser, no customer yet
                store_id=store.id,
                visitor_id="browser-zq-1",
                product_platform_id="8",
                viewed_at=now,
            ),  # fmt: skip
            Suppression(store_id=store.id, email=EMAIL, reason="complained", source="sendgrid"),
            ProcessedEmailEvent(
                provider="sendgrid",
                event_id="sg-evt-zq",
                kind="clicked",
                outcome="applied",
                message_id=message.id,
                occurred_at=now,
            ),  # fmt: skip
        ]
    )
    store_webhooks(session, store, message.id)
    privacy.export_customer(
        session, store, CustomerDataRequested("dr-1", "cust-80417", EMAIL, ("5001",))
    )
    session.flush()
    return zeb.id


def store_webhooks(session, store, message_id: int) -> None:
    """The raw bodies the platforms sent about the shopper, as the inbox keeps them."""
    shopify_order = {
        "id": 5001, "email": EMAIL, "phone": ADDRESS["phone"], "contact_email": EMAIL,
        "customer": {"id": 80417, "email": EMAIL, "first_name": "Zebulon", "last_name": "Quaxley"},
        "billing_address": ADDRESS, "shipping_address": ADDRESS,
    }  # fmt: skip
    bodies = {
        ("shopify", store.id, "orders/create"): shopify_order,
        ("shopify", store.id, "customers/update"): {
            "id": "cust-80417",
            "email": EMAIL.upper(),
            "default_address": ADDRESS,
        },  # fmt: skip
        ("shopify", store.id, "pixel.product_viewed"): {
            "clientId": "browser-zq-1",
            "data": {"productVariant": {"product": {"id": "7"}}},
        },  # fmt: skip
        ("woocommerce", store.id, "storefront.cart"): {
            "visitor": "browser-zq-1",
            "email": EMAIL,
            "cart": {"billing_address": ADDRESS},
        },  # fmt: skip
    }
    for index, ((platform, store_id, topic), body) in enumerate(bodies.items()):
        accept_event(
            session, platform=platform, store_id=store_id, external_id=f"zq-{index}",
            topic=topic, body=json.dumps(body), headers={"X-Shopify-Shop-Domain": store.domain},
        )  # fmt: skip
    # SendGrid posts one batch for the whole account: the shopper's events sit beside others'.
    batch = [
        {"email": EMAIL, "event": "click", "sg_event_id": "sg-evt-zq",
         MESSAGE_ID_ARG: str(message_id), STORE_KEY_ARG: store.key},
        {"email": "grace.hopper@example.com", "event": "open", "sg_event_id": "sg-evt-gh",
         MESSAGE_ID_ARG: "1", STORE_KEY_ARG: store.key},
    ]  # fmt: skip
    accept_event(
        session, platform="sendgrid", store_id=None, external_id="batch-1",
        topic="event_webhook", body=json.dumps(batch),
    )  # fmt: skip


def values_by_table(session) -> dict[str, str]:
    """Every stored value of every table, lower-cased, one text per table."""
    session.expire_all()
    return {
        table.name: "\n".join(
            " ".join(_text(value) for value in row) for row in session.execute(select(table))
        ).lower()
        for table in Base.metadata.sorted_tables
    }


def _text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def test_redacting_a_shopper_leaves_nothing_personal_in_any_table(session) -> None:
    store = make_store(session, name="Redaction Shop")
    customer_id = shopper_footprint(session, store)
    grace = Customer(store_id=store.id, email="grace.hopper@example.com", first_name="Grace")
    session.add(grace)
    session.flush()

    before = values_by_table(session)
    personal_tables = {name for name in before if name not in NOT_PERSONAL}
    untouched = [name for name in personal_tables if not any(
        needle.lower() in before[name] for needle in PERSONAL.values()
    )]  # fmt: skip
    assert not untouched, f"the footprint misses {untouched}: add a row there"
    everything = "\n".join(before.values())
    assert all(needle.lower() in everything for needle in PERSONAL.values())

    privacy.erase_customer(
        session, store, platform_id="cust-80417", email=EMAIL, order_platform_ids=("5001",),
        reason="redact_request",
    )  # fmt: skip
    session.flush()

    after = values_by_table(session)
    leaks = [
        f"{label} in {table}"
        for table, text in after.items()
        for label, needle in PERSONAL.items()
        if needle.lower() in text
    ]
    assert not leaks, leaks
    # What stays is anonymous and still counts.
    tombstone = session.get(Customer, customer_id)
    assert tombstone.redacted_at is not None and tombstone.email is None
    assert session.execute(select(Attribution.revenue)).scalar_one() == Decimal("48")
    assert session.execute(select(Message.status)).scalar_one() == "clicked"
    assert len(session.execute(select(ProductView.id)).all()) == 2
    # The other shopper keeps everything, her SendGrid event included.
    assert "grace.hopper@example.com" in after["customers"]
    assert "sg-evt-gh" in after["inbound_events"] and "grace.hopper" in after["inbound_events"]


def test_a_shop_erasure_removes_its_events_from_shared_provider_batches(session) -> None:
    store = make_store(session, status="uninstalled")
    other = make_store(session)
    batch = [
        {"email": EMAIL, "event": "open", STORE_KEY_ARG: store.key},
        {"email": "grace.hopper@example.com", "event": "open", STORE_KEY_ARG: other.key},
    ]
    accept_event(
        session, platform="sendgrid", store_id=None, external_id="batch-2",
        topic="event_webhook", body=json.dumps(batch),
    )  # fmt: skip
    assert privacy.erase_shop(session, store)
    session.flush()
    after = values_by_table(session)["inbound_events"]
    assert EMAIL not in after and store.key.lower() not in after
    assert "grace.hopper@example.com" in after
