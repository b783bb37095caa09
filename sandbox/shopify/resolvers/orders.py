"""Orders and abandoned checkouts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.shopify import search
from sandbox.shopify.connections import connection, connection_field
from sandbox.shopify.ids import gid, require_gid
from sandbox.shopify.resolvers import catalog, customers
from sandbox.shopify.resolvers.context import Context, count, ctx, iso, money_bag

Record = dict[str, Any]


def _status(order: Record) -> str:
    if order["cancelled_at"] is not None:
        return "cancelled"
    return "closed" if order["closed_at"] is not None else "open"


ORDER_GETTERS: dict[str, search.Getter] = {
    "id": search.field("id"),
    "name": search.field("name"),
    "email": search.field("email"),
    "financial_status": search.field("financial_status"),
    "created_at": search.field("created_at"),
    "updated_at": search.field("updated_at"),
    "processed_at": search.field("processed_at"),
    "customer_id": search.field("customer_id"),
    "cart_token": search.field("cart_token"),
    "checkout_token": search.field("checkout_token"),
    "status": _status,
    "tag": lambda order: order["tags"],
    "discount_code": lambda order: [code["code"] for code in order["discount_codes"]],
}
CHECKOUT_GETTERS: dict[str, search.Getter] = {
    "id": search.field("id"),
    "created_at": search.field("created_at"),
    "updated_at": search.field("updated_at"),
    "email": search.field("email"),
    "status": lambda c: "closed" if c["completed_at"] is not None else "open",
    "recovery_state": lambda c: "recovered" if c["completed_at"] is not None else "not_recovered",
    "email_state": lambda _c: "not_sent",
}


def _product_of(context: Context, line: Record) -> Any:
    product = context.shop.products.get(line["product_id"])
    return catalog.product_node(context, product) if product else None


def _image_of(context: Context, line: Record) -> Any:
    """The line's product image (Shopify shows the variant's, else the product's first)."""
    product = context.shop.products.get(line["product_id"])
    images = product["images"] if product else []
    return catalog.image_node(images[0]) if images else None


def _variant_of(context: Context, line: Record) -> Any:
    found = catalog.find_variant(context, line["variant_id"])
    return catalog.variant_node(context, *found) if found else None


def _line_prices(context: Context, line: Record) -> Record:
    currency = context.shop.currency
    total = f"{Decimal(line['price']) * line['quantity']:.2f}"
    return {
        "unit": money_bag(line["price"], currency),
        "total": money_bag(total, currency),
    }


def line_item_node(context: Context, line: Record) -> Record:
    """Order LineItem."""
    prices = _line_prices(context, line)
    product = context.shop.products.get(line["product_id"])
    image = product["images"][0] if product and product["images"] else None
    return {
        "__typename": "LineItem",
        "id": gid("LineItem", line["id"]),
        "title": line["title"],
        "name": f"{line['title']} - {line['variant_title']}",
        "variantTitle": line["variant_title"],
        "sku": line["sku"],
        "vendor": line["vendor"],
        "quantity": line["quantity"],
        "currentQuantity": line["quantity"],
        "product": lambda _info: _product_of(context, line),
        "variant": lambda _info: _variant_of(context, line),
        "image": (lambda _info, **_a: catalog.image_node(image)) if image else None,
        "originalUnitPriceSet": prices["unit"],
        "discountedUnitPriceSet": prices["unit"],
        "originalTotalSet": prices["total"],
        "discountedTotalSet": lambda _info, **_args: prices["total"],
        "requiresShipping": True,
        "taxable": True,
        "isGiftCard": False,
    }


def order_node(context: Context, order: Record) -> Record:
    """Order."""
    currency = context.shop.currency
    customer = context.shop.customers.get(order["customer_id"]) if order["customer_id"] else None
    codes = [code["code"] for code in order["discount_codes"]]
    paid = order["financial_status"] in ("paid", "partially_refunded", "refunded")
    refunded = order["total_price"] if order["financial_status"] == "refunded" else "0.00"
    return {
        "__typename": "Order",
        "id": gid("Order", order["id"]),
        "legacyResourceId": str(order["id"]),
        "name": order["name"],
        "number": order["number"],
        "email": order["email"],
        "phone": None,
        "createdAt": iso(order["created_at"]),
        "updatedAt": iso(order["updated_at"]),
        "processedAt": iso(order["processed_at"]),
        "cancelledAt": iso(order["cancelled_at"]),
        "cancelReason": order["cancel_reason"].upper() if order["cancel_reason"] else None,
        "closed": order["closed_at"] is not None,
        "closedAt": iso(order["closed_at"]),
        "confirmed": True,
        "test": False,
        "currencyCode": currency,
        "presentmentCurrencyCode": currency,
        "displayFinancialStatus": order["financial_status"].upper(),
        "displayFulfillmentStatus": "UNFULFILLED",
        "fullyPaid": paid,
        "unpaid": not paid,
        "customer": (lambda _info: customers.customer_node(context, customer))
        if customer
        else None,
        "customerAcceptsMarketing": order["buyer_accepts_marketing"],
        "customerLocale": order["customer_locale"],
        "discountCode": codes[0] if codes else None,
        "discountCodes": codes,
        "cartToken": order["cart_token"],
        "checkoutToken": order["checkout_token"],
        "sourceName": "web",
        "tags": list(order["tags"]),
        "note": order["note"],
        "subtotalPriceSet": money_bag(order["subtotal_price"], currency),
        "currentSubtotalPriceSet": money_bag(order["subtotal_price"], currency),
        "totalPriceSet": money_bag(order["total_price"], currency),
        "currentTotalPriceSet": money_bag(order["total_price"], currency),
        "totalDiscountsSet": money_bag(order["total_discounts"], currency),
        "currentTotalDiscountsSet": money_bag(order["total_discounts"], currency),
        "totalRefundedSet": money_bag(refunded, currency),
        "totalTaxSet": money_bag("0.00", currency),
        "lineItems": connection_field(
            lambda: order["line_items"], lambda line: line_item_node(context, line)
        ),
    }


def checkout_line_node(context: Context, line: Record) -> Record:
    """AbandonedCheckoutLineItem."""
    prices = _line_prices(context, line)
    return {
        "id": gid("AbandonedCheckoutLineItem", line["id"]),
        "title": line["title"],
        "variantTitle": line["variant_title"],
        "sku": line["sku"],
        "quantity": line["quantity"],
        "product": lambda _info: _product_of(context, line),
        "variant": lambda _info: _variant_of(context, line),
        "image": lambda _info: _image_of(context, line),
        "originalUnitPriceSet": prices["unit"],
        "discountedUnitPriceSet": prices["unit"],
        "originalTotalPriceSet": prices["total"],
        "discountedTotalPriceSet": prices["total"],
        "customAttributes": [],
    }


def checkout_node(context: Context, checkout: Record) -> Record:
    """AbandonedCheckout."""
    currency = context.shop.currency
    customer_id = checkout["customer_id"]
    customer = context.shop.customers.get(customer_id) if customer_id else None
    return {
        "__typename": "AbandonedCheckout",
        "id": gid("AbandonedCheckout", checkout["id"]),
        "name": f"#{checkout['id']}",
        "abandonedCheckoutUrl": checkout["abandoned_checkout_url"],
        "createdAt": iso(checkout["created_at"]),
        "updatedAt": iso(checkout["updated_at"]),
        "completedAt": iso(checkout["completed_at"]),
        "customer": (lambda _info: customers.customer_node(context, customer))
        if customer
        else None,
        "discountCodes": [code["code"] for code in checkout["discount_codes"]],
        "note": "",
        "customAttributes": [],
        "taxesIncluded": False,
        "taxLines": [],
        "billingAddress": None,
        "shippingAddress": None,
        "subtotalPriceSet": money_bag(checkout["subtotal_price"], currency),
        "totalPriceSet": money_bag(checkout["total_price"], currency),
        "totalLineItemsPriceSet": money_bag(checkout["line_items_price"], currency),
        "totalDiscountSet": money_bag(checkout["total_discounts"], currency),
        "totalTaxSet": money_bag("0.00", currency),
        "totalDutiesSet": None,
        "lineItems": connection_field(
            lambda: checkout["line_items"], lambda line: checkout_line_node(context, line)
        ),
    }


def _order_list(context: Context, query: str | None) -> list[Record]:
    orders = context.shop.orders.values()
    return search.filter_records(orders, query, ORDER_GETTERS, lambda o: [o["name"], o["email"]])


def _abandoned(context: Context, query: str | None) -> list[Record]:
    # Abandoned once contact information was given (research §6).
    candidates = [c for c in context.shop.checkouts.values() if c["email"] or c["customer_id"]]
    return search.filter_records(candidates, query, CHECKOUT_GETTERS, lambda c: [c["email"]])


def resolve_order(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.order(id)."""
    context = ctx(info)
    order = context.shop.orders.get(require_gid(id, "Order") or 0)
    return order_node(context, order) if order else None


QUERY = {
    "order": resolve_order,
    "orders": lambda info, **args: connection(
        _order_list(ctx(info), args.get("query")), args, lambda o: order_node(ctx(info), o)
    ),
    "ordersCount": lambda info, **args: count(len(_order_list(ctx(info), args.get("query")))),
    "abandonedCheckouts": lambda info, **args: connection(
        _abandoned(ctx(info), args.get("query")), args, lambda c: checkout_node(ctx(info), c)
    ),
    "abandonedCheckoutsCount": lambda info, **args: count(
        len(_abandoned(ctx(info), args.get("query")))
    ),
}
