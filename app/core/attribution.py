"""Which Nudge message earned an order, and what each recipe and step earned.

An order is credited to the message whose discount code it used (sent at most `code` days
before the order), else to the customer's last clicked message within `click` days before it.
The code wins because it is proof; a click is only a sign. Opens never count: Apple Mail Privacy
Protection opens every message (research/features.md §3). Both windows are store settings
(`attribution_window_days`, default 5, and `attribution_code_window_days`, default 30, in
app/core/store_settings.py; 0 turns that kind of credit off). An order is credited once; later
updates of the same order only keep its revenue current. `holdout_lift` (app/core/lift.py)
measures what the credit cannot: whether the orders would have come anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from app.core.events import Applied
from app.core.store_settings import load_store_settings
from app.db.idempotent import insert_once
from app.db.models import Attribution, IssuedDiscount, Message, Order, Store

log = logging.getLogger(__name__)

#: Idempotency keys of the admin's test emails start with this; they are never campaign sends.
TEST_MESSAGE_PREFIX = "test:"
#: Orders that did not (or no longer) earn anything.
VOID_FINANCIAL_STATUSES = ("voided", "refunded")


@dataclass(frozen=True)
class AttributionWindows:
    """How long after a click, or after the message carrying a code, an order is credited."""

    click: timedelta = timedelta(days=5)
    code: timedelta = timedelta(days=30)


@dataclass(frozen=True)
class Credit:
    """The message an order is credited to, and why."""

    message: Message
    reason: str


def attribute_order(session: Session, store: Store, applied: Applied) -> None:
    """EventListener: credit a new or updated order, and mark the codes it used as redeemed."""
    order = applied.order
    if order is None:
        return
    redeemed = mark_codes_redeemed(session, store, order)
    existing = session.scalar(select(Attribution).where(Attribution.order_id == order.id))
    if existing is not None:
        existing.revenue, existing.currency = order.total_price, order.currency
        existing.placed_at = order.placed_at
        return
    credit = find_credit(session, store, order, redeemed, windows_for(store))
    if credit is None:
        return
    insert_once(
        session,
        Attribution,
        {
            "store_id": store.id,
            "order_id": order.id,
            "message_id": credit.message.id,
            "customer_id": order.customer_id,
            "recipe": credit.message.recipe or "",
            "step": credit.message.step or 0,
            "reason": credit.reason,
            "revenue": order.total_price,
            "currency": order.currency,
            "placed_at": order.placed_at,
        },
        unique=("order_id",),
    )


def windows_for(store: Store) -> AttributionWindows:
    """The store's windows (merchant settings, validated in app/core/store_settings.py)."""
    settings = load_store_settings(store)
    return AttributionWindows(
        click=timedelta(days=settings.attribution_window_days),
        code=timedelta(days=settings.attribution_code_window_days),
    )


def mark_codes_redeemed(session: Session, store: Store, order: Order) -> list[IssuedDiscount]:
    """Nudge's codes this order used (codes compare case-insensitively: Woo lowercases them)."""
    codes = [code.lower() for code in order.discount_codes or [] if code]
    if not codes:
        return []
    discounts = session.scalars(
        select(IssuedDiscount).where(
            IssuedDiscount.store_id == store.id, func.lower(IssuedDiscount.code).in_(codes)
        )
    ).all()
    used = []
    for discount in discounts:
        if discount.redeemed_order_id in (None, order.id):
            discount.status, discount.redeemed_order_id = "redeemed", order.id
            used.append(discount)
    return used


def find_credit(
    session: Session,
    store: Store,
    order: Order,
    redeemed: list[IssuedDiscount],
    windows: AttributionWindows,
) -> Credit | None:
    """The code's message if the order used one in time, else the last click in time."""
    if redeemed and windows.code:
        message = session.scalars(
            select(Message)
            .where(
                Message.store_id == store.id,
                Message.discount_id.in_([discount.id for discount in redeemed]),
                Message.sent_at.is_not(None),
                Message.sent_at <= order.placed_at,
                Message.sent_at >= order.placed_at - windows.code,
            )
            .order_by(Message.sent_at.desc(), Message.id.desc())
            .limit(1)
        ).first()
        if message is not None:
            return Credit(message, "code")
    if not windows.click:
        return None
    return _last_click(session, store, order, windows.click)


def _last_click(session: Session, store: Store, order: Order, window: timedelta) -> Credit | None:
    recipient = []
    if order.customer_id is not None:
        recipient.append(Message.customer_id == order.customer_id)
    if order.email:
        recipient.append(func.lower(Message.to_email) == order.email.lower())
    if not recipient:
        return None
    message = session.scalars(
        select(Message)
        .where(
            Message.store_id == store.id,
            or_(*recipient),
            # A test email from the admin (`test:<uuid>`) never earns an order.
            Message.idempotency_key.not_like(f"{TEST_MESSAGE_PREFIX}%"),
            Message.clicked_at.is_not(None),
            Message.clicked_at <= order.placed_at,
            Message.clicked_at >= order.placed_at - window,
        )
        .order_by(Message.clicked_at.desc(), Message.id.desc())
        .limit(1)
    ).first()
    return Credit(message, "click") if message is not None else None


@dataclass(frozen=True)
class StepRevenue:
    """What one recipe step earned over a period."""

    recipe: str
    step: int
    orders: int
    revenue: Decimal
    by_code: int
    by_click: int


def counted_credits(
    store: Store, start: datetime, end: datetime
) -> tuple[ColumnElement[bool], ...]:
    """The criteria of credits that count for orders placed in [start, end): the store's, of
    orders neither cancelled, voided nor refunded (the query joins Order on the credit)."""
    return (
        Attribution.store_id == store.id,
        Attribution.placed_at >= start,
        Attribution.placed_at < end,
        Order.cancelled_at.is_(None),
        Order.financial_status.not_in(VOID_FINANCIAL_STATUSES),
    )


def revenue_by_step(
    session: Session, store: Store, start: datetime, end: datetime
) -> list[StepRevenue]:
    """Credited orders and revenue per recipe and step, for orders placed in [start, end).

    Cancelled, voided and refunded orders do not count.
    """
    rows = session.execute(
        select(
            Attribution.recipe,
            Attribution.step,
            func.count(Attribution.id),
            func.coalesce(func.sum(Attribution.revenue), 0),
            func.sum(case((Attribution.reason == "code", 1), else_=0)),
        )
        .join(Order, Order.id == Attribution.order_id)
        .where(*counted_credits(store, start, end))
        .group_by(Attribution.recipe, Attribution.step)
        .order_by(Attribution.recipe, Attribution.step)
    ).all()
    return [
        StepRevenue(recipe, step, orders, Decimal(revenue), int(by_code), orders - int(by_code))
        for recipe, step, orders, revenue, by_code in rows
    ]


def revenue_by_recipe(
    session: Session, store: Store, start: datetime, end: datetime
) -> dict[str, StepRevenue]:
    """`revenue_by_step` summed per recipe (step is -1 in the totals)."""
    totals: dict[str, StepRevenue] = {}
    for row in revenue_by_step(session, store, start, end):
        seen = totals.get(row.recipe) or StepRevenue(row.recipe, -1, 0, Decimal(0), 0, 0)
        totals[row.recipe] = StepRevenue(
            row.recipe,
            -1,
            seen.orders + row.orders,
            seen.revenue + row.revenue,
            seen.by_code + row.by_code,
            seen.by_click + row.by_click,
        )
    return totals
