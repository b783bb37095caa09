"""Cart and order totals: item prices, coupon discounts, the store's flat-rate shipping.

The sandbox store charges no tax (`prices_include_tax` false, every tax total 0.00) and ships
at one flat rate, waived by a `free_shipping` coupon (as when the free-shipping method
"requires a valid free shipping coupon").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.woocommerce.coupon_rules import Line, apply_discounts
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.money import ZERO, to_decimal
from sandbox.woocommerce.products import active_price
from sandbox.woocommerce.state import Record, Store


@dataclass
class Totals:
    """A priced cart or order."""

    lines: list[Line]
    coupons: list[Record] = field(default_factory=list)
    coupon_discounts: dict[str, Decimal] = field(default_factory=dict)
    shipping: Decimal = ZERO

    @property
    def subtotal(self) -> Decimal:
        """Items before discounts."""
        return sum((line.subtotal for line in self.lines), ZERO)

    @property
    def discount(self) -> Decimal:
        """All coupon discounts."""
        return sum(self.coupon_discounts.values(), ZERO)

    @property
    def total(self) -> Decimal:
        """What the shopper pays."""
        return self.subtotal - self.discount + self.shipping

    @property
    def needs_shipping(self) -> bool:
        """Any physical item in the cart."""
        return any(not (line.variation or line.product)["virtual"] for line in self.lines)


def resolve_item(
    store: Store, product_id: int, variation_id: int = 0
) -> tuple[Record, Record | None]:
    """The product and variation a line refers to (a variation ID alone is accepted too)."""
    product = store.products.get(product_id)
    if product is not None and product["type"] == "variation":
        variation_id, product = product["id"], store.products.get(product["parent_id"])
    if product is None or product["status"] == "trash":
        raise WooError(
            "woocommerce_rest_cart_invalid_product",
            "This product cannot be added to the cart.",
            400,
        )
    variation = store.products.get(variation_id) if variation_id else None
    if variation_id and (variation is None or variation["parent_id"] != product["id"]):
        raise WooError("woocommerce_rest_cart_invalid_variation", "Invalid variation.", 400)
    if product["type"] == "variable" and variation is None:
        raise WooError(
            "woocommerce_rest_cart_invalid_variation",
            "Please choose product options by visiting the product page.",
            400,
        )
    return product, variation


def build_line(store: Store, key: str, product_id: int, variation_id: int, quantity: int) -> Line:
    """A priced line; a product without a price cannot be bought."""
    product, variation = resolve_item(store, product_id, variation_id)
    price = active_price(variation or product)
    if price is None:
        raise WooError(
            "woocommerce_rest_product_not_purchasable",
            f"&quot;{product['name']}&quot; is not available for purchase.",
            400,
        )
    return Line(key=key, product=product, variation=variation, quantity=quantity, unit_price=price)


def price(store: Store, lines: Sequence[Line], coupons: Sequence[Record]) -> Totals:
    """Discounts and shipping for these lines and coupons."""
    for line in lines:
        line.discount = ZERO
    totals = Totals(lines=list(lines), coupons=list(coupons))
    totals.coupon_discounts = apply_discounts(coupons, totals.lines)
    if totals.needs_shipping and not any(c["free_shipping"] for c in coupons):
        totals.shipping = to_decimal(store.settings.shipping_flat_rate) or ZERO
    return totals
