"""A driver for engine tests: real database, real router and engine, fake ports, a test clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import enrollment as enrollment_module
from app.core.configs import save_config
from app.core.events import EventRouter
from app.core.scheduling import claim_due
from app.core.steps import StepResult, StepServices, run_step
from app.core.values import (
    Birthday,
    CartData,
    CartUpserted,
    CustomerData,
    LineData,
    OrderData,
    OrderUpserted,
    ProductData,
    ProductUpserted,
    ProductViewData,
    ProductViewed,
    StoreEvent,
    VariantData,
)
from app.db.models import Enrollment, IssuedDiscount, Message, Store
from tests.fakes import FakeLinkSigner, FakeRenderer, FakeSender, FakeStoreConnector

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in New York


def customer_data(
    number: int,
    *,
    consent: str = "subscribed",
    timezone: str | None = None,
    birthday: Birthday | None = None,
    first_name: str = "Ada",
) -> CustomerData:
    return CustomerData(
        platform_id=f"c{number}",
        email=f"shopper{number}@example.com",
        first_name=first_name,
        consent=consent,  # type: ignore[arg-type]
        timezone=timezone,
        birthday=birthday,
        updated_at=T0 - timedelta(days=30),
    )


def line(product: str = "p-shoe", title: str = "Trail Shoe", quantity: int = 1) -> LineData:
    return LineData(
        product_platform_id=product,
        variant_platform_id=f"{product}-v1",
        title=title,
        quantity=quantity,
        price=Decimal("80.00"),
        variant_title="42",
        image_url=f"https://cdn.test/{product}.png",
        url=f"https://shop.test/products/{product}",
    )


def cart(
    token: str,
    customer: CustomerData,
    at: datetime,
    lines: tuple[LineData, ...] | None = None,
    **overrides: Any,
) -> CartUpserted:
    values: dict[str, Any] = {
        "platform_token": token,
        "updated_at": at,
        "kind": "checkout",
        "email": customer.email,
        "customer": customer,
        "lines": (line(),) if lines is None else lines,
        "subtotal_price": Decimal("80.00"),
        "recovery_url": f"https://shop.test/recover/{token}",
        "cart_token": token,
    }
    values.update(overrides)
    return CartUpserted(CartData(**values))


def order(
    number: str,
    customer: CustomerData,
    at: datetime,
    products: tuple[str, ...] = ("p-shoe",),
    **overrides: Any,
) -> OrderUpserted:
    values: dict[str, Any] = {
        "platform_id": number,
        "placed_at": at,
        "email": customer.email,
        "customer": customer,
        "financial_status": "paid",
        "paid_at": at,
        "lines": tuple(line(product, title=product) for product in products),
        "updated_at": at,
    }
    values.update(overrides)
    return OrderUpserted(OrderData(**values))


def product(
    pid: str,
    *,
    collections: tuple[str, ...] = ("outdoor",),
    stock: int | None = 10,
    image: str | None = "auto",
    status: str = "active",
) -> ProductUpserted:
    image_url = f"https://cdn.test/{pid}.png" if image == "auto" else image
    variant = VariantData(platform_id=f"{pid}-v1", price=Decimal("25.00"), inventory_quantity=stock)
    return ProductUpserted(
        ProductData(
            platform_id=pid,
            title=pid.removeprefix("p-").title(),
            handle=pid,
            image_url=image_url,
            status=status,
            collections=collections,
            variants=(variant,),
            updated_at=T0 - timedelta(days=60),
        )
    )


def view(customer: CustomerData, pid: str, at: datetime) -> ProductViewed:
    return ProductViewed(
        ProductViewData(
            visitor_id=f"v-{customer.platform_id}",
            product_platform_id=pid,
            viewed_at=at,
            customer_platform_id=customer.platform_id,
        )
    )


@dataclass
class Engine:
    """Real router, engine and database; fake store, sender, renderer and signer; a test clock."""

    session: Session
    store: Store
    now: datetime = T0
    connector: FakeStoreConnector = field(default_factory=FakeStoreConnector)
    sender: FakeSender = field(default_factory=FakeSender)
    renderer: FakeRenderer = field(default_factory=FakeRenderer)
    signer: FakeLinkSigner = field(default_factory=FakeLinkSigner)
    checkpoint: Callable[[str], None] = lambda _name: None

    def __post_init__(self) -> None:
        self.router = EventRouter(listeners=[self._listen])

    def _listen(self, session: Session, store: Store, applied: Any) -> None:
        enrollment_module.on_event(session, store, applied, now=self.now)

    def services(self) -> StepServices:
        return StepServices(
            connector_for=lambda _store: self.connector,
            sender=self.sender,
            renderer=self.renderer,
            signer=self.signer,
            clock=lambda: self.now,
            checkpoint=lambda name: self.checkpoint(name),
        )

    def enable(self, recipe: str, **settings: Any) -> None:
        save_config(self.session, self.store, recipe, settings, enabled=True)
        self.session.commit()

    def ingest(self, *events: StoreEvent, at: datetime | None = None) -> None:
        if at is not None:
            self.now = at
        self.router.ingest(self.session, self.store, list(events))
        self.session.commit()

    def run_due(self, at: datetime | None = None) -> list[StepResult]:
        """Claim what is due at `at` and run each step (as the sweep and workers would)."""
        if at is not None:
            self.now = at
        results = []
        for _round in range(20):
            claims = claim_due(self.session, self.now)
            if not claims:
                break
            for claim in claims:
                results.append(
                    run_step(self.session, claim.enrollment_id, claim.token, self.services())
                )
        return results

    def run_until(self, end: datetime) -> list[StepResult]:
        """Jump from one due time to the next until `end`, running every step on the way."""
        results = []
        for _round in range(200):
            due = self.session.execute(
                select(func.min(Enrollment.next_run_at)).where(
                    Enrollment.store_id == self.store.id, Enrollment.state == "active"
                )
            ).scalar_one_or_none()
            self.session.commit()
            if due is None or due > end:
                break
            results.extend(self.run_due(max(due, self.now)))
        self.now = max(self.now, end)
        return results

    def enrollments(self, recipe: str | None = None) -> list[Enrollment]:
        query = select(Enrollment).where(Enrollment.store_id == self.store.id)
        if recipe:
            query = query.where(Enrollment.recipe == recipe)
        rows = list(self.session.execute(query.order_by(Enrollment.id)).scalars())
        for row in rows:
            self.session.refresh(row)
        return rows

    def messages(self) -> list[Message]:
        rows = list(
            self.session.execute(
                select(Message).where(Message.store_id == self.store.id).order_by(Message.id)
            ).scalars()
        )
        for row in rows:
            self.session.refresh(row)
        return rows

    def codes(self) -> list[IssuedDiscount]:
        rows = list(
            self.session.execute(
                select(IssuedDiscount).where(IssuedDiscount.store_id == self.store.id)
            ).scalars()
        )
        for row in rows:
            self.session.refresh(row)
        return rows
