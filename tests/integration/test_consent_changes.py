"""A consent change reported on its own (Shopify's customers_email_marketing_consent/update):
applied to the mirrored customer, older reports ignored, names and birthday left alone, and a
customer not mirrored yet created with it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.core.events import EventRouter
from app.core.values import Birthday, CustomerConsentChanged, CustomerData, CustomerUpserted
from app.db.models import Customer
from tests.factories import make_store


def at(hour: int) -> datetime:
    return datetime(2026, 6, 1, hour, tzinfo=UTC)


def change(consent: str, hour: int, platform_id: str = "c1") -> CustomerConsentChanged:
    return CustomerConsentChanged(platform_id, "ada@example.com", consent, at(hour))  # type: ignore[arg-type]


def test_consent_changes_apply_in_order_and_touch_nothing_else(session) -> None:
    store = make_store(session)
    router = EventRouter()
    ada = CustomerData(
        platform_id="c1",
        email="ada@example.com",
        first_name="Ada",
        consent="subscribed",
        consent_updated_at=at(1),
        birthday=Birthday(month=6, day=4, year=1990),
        updated_at=at(1),
    )
    router.ingest(session, store, [CustomerUpserted(ada)])
    router.ingest(session, store, [change("unsubscribed", 3)])
    customer = session.execute(select(Customer)).scalar_one()
    assert (customer.consent, customer.consent_updated_at) == ("unsubscribed", at(3))
    assert (customer.first_name, customer.birth_month, customer.birth_day) == ("Ada", 6, 4)

    router.ingest(session, store, [change("subscribed", 2)])  # an older report, late
    session.refresh(customer)
    assert customer.consent == "unsubscribed"


def test_a_customer_not_mirrored_yet_is_created_with_the_consent(session) -> None:
    store = make_store(session)
    EventRouter().ingest(session, store, [change("unsubscribed", 3, platform_id="c9")])
    customer = session.execute(select(Customer)).scalar_one()
    assert (customer.platform_id, customer.email, customer.consent) == (
        "c9",
        "ada@example.com",
        "unsubscribed",
    )
