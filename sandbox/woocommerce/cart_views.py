"""Store API bodies: the cart (`GET /wc/store/v1/cart`) and the checkout object.

Prices are strings in minor units with the currency fields alongside, as `CartSchema` and
`CartItemSchema` answer them.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.woocommerce import records
from sandbox.woocommerce.coupon_rules import Line
from sandbox.woocommerce.money import ZERO, currency_symbol, minor_units
from sandbox.woocommerce.pricing import Totals
from sandbox.woocommerce.products import active_price, permalink
from sandbox.woocommerce.state import CartSession, Record, Store


def currency_fields(store: Store) -> Record:
    """The currency block every Store API price carries."""
    symbol = currency_symbol(store.settings.currency)
    return {
        "currency_code": store.settings.currency,
        "currency_symbol": symbol,
        "currency_minor_unit": 2,
        "currency_decimal_separator": ".",
        "currency_thousand_separator": ",",
        "currency_prefix": symbol,
        "currency_suffix": "",
    }


def _item(store: Store, line: Line) -> Record:
    item = line.variation or line.product
    image_ids = item["image_ids"] or line.product["image_ids"]
    currency = currency_fields(store)
    return {
        "key": line.key,
        "id": item["id"],
        "type": item["type"],
        "quantity": line.quantity,
        "quantity_limits": {
            "minimum": 1,
            "maximum": 1 if line.product["sold_individually"] else 9999,
            "multiple_of": 1,
            "editable": not line.product["sold_individually"],
        },
        "name": line.product["name"],
        "short_description": line.product["short_description"],
        "description": line.product["description"],
        "sku": item["sku"],
        "low_stock_remaining": None,
        "backorders_allowed": item["backorders"] != "no",
        "show_backorder_badge": False,
        "sold_individually": line.product["sold_individually"],
        "permalink": permalink(store, item),
        "images": [_image(store, image_id) for image_id in image_ids],
        "variation": [
            {"attribute": a.get("name", ""), "value": a.get("option", "")}
            for a in item["attributes"]
        ]
        if line.variation
        else [],
        "item_data": [],
        "prices": _item_prices(store, line, item),
        "totals": {
            "line_subtotal": minor_units(line.subtotal),
            "line_subtotal_tax": "0",
            "line_total": minor_units(line.total),
            "line_total_tax": "0",
            **currency,
        },
        "catalog_visibility": line.product["catalog_visibility"],
        "extensions": {},
    }


def _item_prices(store: Store, line: Line, item: Record) -> Record:
    regular = Decimal(item["regular_price"]) if item["regular_price"] else line.unit_price
    micro = 10**6
    return {
        "price": minor_units(line.unit_price),
        "regular_price": minor_units(regular),
        "sale_price": minor_units(active_price(item) or line.unit_price),
        "price_range": None,
        **currency_fields(store),
        "raw_prices": {
            "precision": 6,
            "price": str(int(line.unit_price * micro)),
            "regular_price": str(int(regular * micro)),
            "sale_price": str(int(line.unit_price * micro)),
        },
    }


def _image(store: Store, image_id: int) -> Record:
    image = store.images[image_id]
    return {
        "id": image_id,
        "src": image["src"],
        "thumbnail": image["src"],
        "srcset": "",
        "sizes": "",
        "name": image["name"],
        "alt": image["alt"],
    }


def _address(values: Record, fields: tuple[str, ...]) -> Record:
    return {name: values.get(name, "") for name in fields}


def cart_view(store: Store, session: CartSession, totals: Totals) -> Record:
    """`GET /wc/store/v1/cart`."""
    currency = currency_fields(store)
    shipping_fields = records.SHIPPING_FIELDS
    return {
        "items": [_item(store, line) for line in totals.lines],
        "coupons": [
            {
                "code": coupon["code"],
                "discount_type": coupon["discount_type"],
                "totals": {
                    "total_discount": minor_units(
                        totals.coupon_discounts.get(coupon["code"], ZERO)
                    ),
                    "total_discount_tax": "0",
                    **currency,
                },
            }
            for coupon in totals.coupons
        ],
        "fees": [],
        "totals": _cart_totals(store, totals),
        "shipping_address": _address(session.shipping, shipping_fields),
        "billing_address": _address(session.billing, records.BILLING_FIELDS),
        "needs_payment": totals.total > 0,
        "needs_shipping": totals.needs_shipping,
        "payment_requirements": ["products"],
        "has_calculated_shipping": totals.needs_shipping,
        "shipping_rates": [],
        "items_count": sum(line.quantity for line in totals.lines),
        "items_weight": 0,
        "cross_sells": [],
        "errors": [],
        "payment_methods": ["cod", "bacs"],
        "extensions": {},
    }


def _cart_totals(store: Store, totals: Totals) -> Record:
    shipping = minor_units(totals.shipping) if totals.needs_shipping else None
    return {
        "total_items": minor_units(totals.subtotal),
        "total_items_tax": "0",
        "total_fees": "0",
        "total_fees_tax": "0",
        "total_discount": minor_units(totals.discount),
        "total_discount_tax": "0",
        "total_shipping": shipping,
        "total_shipping_tax": "0" if totals.needs_shipping else None,
        "total_price": minor_units(totals.total),
        "total_tax": "0",
        "tax_lines": [],
        **currency_fields(store),
    }


def checkout_view(store: Store, order: Record | None, session: CartSession) -> Record:
    """`GET /wc/store/v1/checkout` (and the `POST` answer, with `payment_result`)."""
    return {
        "order_id": order["id"] if order else 0,
        "status": order["status"] if order else "",
        "order_key": order["order_key"] if order else "",
        "order_number": str(order["id"]) if order else "",
        "customer_note": order["customer_note"] if order else "",
        "customer_id": order["customer_id"] if order else 0,
        "billing_address": _address(
            order["billing"] if order else session.billing, records.BILLING_FIELDS
        ),
        "shipping_address": _address(
            order["shipping"] if order else session.shipping, records.SHIPPING_FIELDS
        ),
        "payment_method": order["payment_method"] if order else "",
        "payment_result": None,
        "additional_fields": {},
        "extensions": {},
    }
