"""Whether a coupon applies to a cart, and how much it takes off (`WC_Discounts`).

Messages are `WC_Coupon::get_coupon_error` texts. Percent discounts are computed on the item
prices before other coupons (`woocommerce_calc_discounts_sequentially` = no), capped at what is
left of each line.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sandbox.woocommerce.coupons import find_by_code, format_code
from sandbox.woocommerce.dates import utc_now
from sandbox.woocommerce.money import ZERO, rest_money, rounded
from sandbox.woocommerce.products import is_on_sale
from sandbox.woocommerce.state import Record, Store


class CouponRejected(Exception):
    """The coupon cannot be used here; the message is the shopper-facing WooCommerce text."""


@dataclass
class Line:
    """A cart or order line being priced."""

    key: str
    product: Record
    variation: Record | None
    quantity: int
    unit_price: Decimal
    discount: Decimal = ZERO

    @property
    def subtotal(self) -> Decimal:
        """Price x quantity before discounts."""
        return rounded(self.unit_price * self.quantity)

    @property
    def total(self) -> Decimal:
        """Subtotal less discounts."""
        return self.subtotal - self.discount


def lookup(store: Store, code: str) -> Record:
    """The published coupon for a code the shopper typed, or CouponRejected."""
    coupon = find_by_code(store, code)
    if coupon is None:
        raise CouponRejected(
            f'Coupon "{format_code(code)}" cannot be applied because it does not exist.'
        )
    return coupon


def check_coupon(coupon: Record, lines: Sequence[Line], applied: Sequence[Record]) -> None:
    """Raise CouponRejected unless the coupon can join the cart (`WC_Discounts`)."""
    code = coupon["code"]
    if coupon["code"] in (c["code"] for c in applied):
        raise CouponRejected(f'Coupon code "{code}" already applied!')
    if any(c["individual_use"] for c in applied):
        individual = next(c for c in applied if c["individual_use"])
        raise CouponRejected(
            f'Sorry, coupon "{individual["code"]}" has already been applied and cannot be used in '
            "conjunction with other coupons."
        )
    if coupon["date_expires"] is not None and utc_now() > coupon["date_expires"]:
        raise CouponRejected(f'Coupon "{code}" has expired.')
    if coupon["usage_limit"] and coupon["usage_count"] >= coupon["usage_limit"]:
        raise CouponRejected(f'Usage limit for coupon "{code}" has been reached.')
    subtotal = sum((line.subtotal for line in lines), ZERO)
    if coupon["minimum_amount"] > 0 and subtotal < coupon["minimum_amount"]:
        raise CouponRejected(
            f'The minimum spend for coupon "{code}" is {rest_money(coupon["minimum_amount"])}.'
        )
    if coupon["maximum_amount"] > 0 and subtotal > coupon["maximum_amount"]:
        raise CouponRejected(
            f'The maximum spend for coupon "{code}" is {rest_money(coupon["maximum_amount"])}.'
        )
    if not any(eligible(coupon, line) for line in lines):
        raise CouponRejected(f'Sorry, coupon "{code}" is not applicable to selected products.')


def check_customer(coupon: Record, email: str, user_id: int) -> None:
    """At checkout, once the billing email is known: email restrictions and per-user limits."""
    code = coupon["code"]
    email = email.strip().lower()
    restrictions = coupon["email_restrictions"]
    if restrictions and not any(fnmatch.fnmatchcase(email, pattern) for pattern in restrictions):
        raise CouponRejected(
            f'Sorry, it seems the coupon "{code}" is not yours - it has now been removed from '
            "your order."
        )
    per_user = coupon["usage_limit_per_user"]
    if per_user:
        uses = sum(1 for used in coupon["used_by"] if used in (email, str(user_id)))
        if uses >= per_user:
            raise CouponRejected(f'Usage limit for coupon "{code}" has been reached.')


def eligible(coupon: Record, line: Line) -> bool:
    """Whether the coupon's product, category and sale restrictions let it touch this line."""
    ids = {line.product["id"], line.variation["id"] if line.variation else -1}
    categories = set(line.product["category_ids"])
    item = line.variation or line.product
    if coupon["product_ids"] and not ids & set(coupon["product_ids"]):
        return False
    if coupon["product_categories"] and not categories & set(coupon["product_categories"]):
        return False
    if ids & set(coupon["excluded_product_ids"]):
        return False
    if categories & set(coupon["excluded_product_categories"]):
        return False
    return not (coupon["exclude_sale_items"] and is_on_sale(item))


def apply_discounts(coupons: Sequence[Record], lines: Sequence[Line]) -> dict[str, Decimal]:
    """Set each line's discount; return the discount each coupon gave, by code."""
    given: dict[str, Decimal] = {}
    for coupon in coupons:
        targets = [line for line in lines if eligible(coupon, line)]
        if coupon["discount_type"] == "fixed_cart":
            given[coupon["code"]] = _fixed_cart(coupon["amount"], targets)
        else:
            given[coupon["code"]] = _per_item(coupon, targets)
    return given


def _per_item(coupon: Record, targets: Sequence[Line]) -> Decimal:
    remaining_items = coupon["limit_usage_to_x_items"] or None
    total = ZERO
    for line in sorted(targets, key=lambda item: item.unit_price, reverse=True):
        quantity = line.quantity if remaining_items is None else min(line.quantity, remaining_items)
        if quantity <= 0:
            continue
        if coupon["discount_type"] == "percent":
            wanted = rounded(line.unit_price * quantity * coupon["amount"] / 100)
        else:
            wanted = rounded(coupon["amount"] * quantity)
        amount = min(wanted, line.total)
        line.discount += amount
        total += amount
        if remaining_items is not None:
            remaining_items -= quantity
    return total


def _fixed_cart(amount: Decimal, targets: Sequence[Line]) -> Decimal:
    base = sum((line.total for line in targets), ZERO)
    if base <= 0:
        return ZERO
    to_give = min(amount, base)
    given = ZERO
    for index, line in enumerate(targets):
        if index == len(targets) - 1:
            share = to_give - given
        else:
            share = rounded(to_give * line.total / base)
        share = min(share, line.total)
        line.discount += share
        given += share
    return given
