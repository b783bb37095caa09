"""GraphQL views of code discounts (DiscountCodeBasic, DiscountCodeFreeShipping) inside
DiscountCodeNode / DiscountNode."""

from __future__ import annotations

from typing import Any

from sandbox.shopify import search
from sandbox.shopify.connections import connection
from sandbox.shopify.ids import gid
from sandbox.shopify.resolvers import catalog, customers
from sandbox.shopify.resolvers.context import Context, count, iso, money

Record = dict[str, Any]


def status(context: Context, discount: Record) -> str:
    """ACTIVE, SCHEDULED or EXPIRED from the discount's dates."""
    now = context.now()
    if discount["starts_at"] > now:
        return "SCHEDULED"
    if discount["ends_at"] is not None and discount["ends_at"] <= now:
        return "EXPIRED"
    return "ACTIVE"


def redeem_code_node(code: Record) -> Record:
    """DiscountRedeemCode."""
    return {
        "id": gid("DiscountRedeemCode", code["id"]),
        "code": code["code"],
        "asyncUsageCount": code["usage_count"],
        "createdBy": None,
    }


def _value(context: Context, discount: Record) -> Record:
    value = discount["value"]
    if "percentage" in value:
        return {"__typename": "DiscountPercentage", "percentage": value["percentage"]}
    return {
        "__typename": "DiscountAmount",
        "amount": money(value["amount"], context.shop.currency),
        "appliesOnEachItem": value["applies_on_each_item"],
    }


def _items(context: Context, discount: Record) -> Record:
    items, shop = discount["items"], context.shop
    if items.get("all"):
        return {"__typename": "AllDiscountItems", "allItems": True}
    if items.get("collections"):
        chosen = [shop.collections[c] for c in items["collections"] if c in shop.collections]
        return {
            "__typename": "DiscountCollections",
            "collections": lambda _info, **args: connection(
                chosen, args, lambda c: catalog.collection_node(context, c)
            ),
        }
    products = [shop.products[p] for p in items.get("products", []) if p in shop.products]
    variants = [
        (p, v)
        for p in shop.products.values()
        for v in p["variants"]
        if v["id"] in items.get("variants", [])
    ]
    return {
        "__typename": "DiscountProducts",
        "products": lambda _info, **args: connection(
            products, args, lambda p: catalog.product_node(context, p)
        ),
        "productVariants": lambda _info, **args: connection(
            [v | {"_product": p} for p, v in variants],
            args,
            lambda v: catalog.variant_node(context, v["_product"], v),
        ),
    }


def _context_view(context: Context, discount: Record) -> Record:
    chosen = discount["context"].get("customers")
    if chosen is None:
        return {"__typename": "DiscountBuyerSelectionAll", "all": "ALL"}
    records = [context.shop.customers[c] for c in chosen if c in context.shop.customers]
    return {
        "__typename": "DiscountCustomers",
        "customers": [customers.customer_node(context, record) for record in records],
    }


def _minimum(context: Context, discount: Record) -> Record | None:
    minimum = discount["minimum"]
    if minimum is None:
        return None
    if "subtotal" in minimum:
        return {
            "__typename": "DiscountMinimumSubtotal",
            "greaterThanOrEqualToSubtotal": money(minimum["subtotal"], context.shop.currency),
        }
    return {
        "__typename": "DiscountMinimumQuantity",
        "greaterThanOrEqualToQuantity": str(minimum["quantity"]),
    }


def _summary(context: Context, discount: Record) -> str:
    if discount["kind"] == "free_shipping":
        destination = discount["destination"]
        where = (
            "all countries"
            if destination.get("all")
            else ", ".join(destination["countries"]) or "the rest of the world"
        )
        return f"Free shipping on all products, for {where}"
    value = discount["value"]
    amount = (
        f"{value['percentage'] * 100:g}%"
        if "percentage" in value
        else f"{value['amount']} {context.shop.currency}"
    )
    scope = "entire order" if discount["items"].get("all") else "selected products"
    return f"{amount} off {scope}"


def _codes(context: Context, discount: Record) -> Any:
    def resolve(_info: Any, **args: Any) -> Record:
        shop = context.shop
        own = [shop.redeem_codes[key] for key in discount["code_keys"] if key in shop.redeem_codes]
        getters = {"code": search.field("code"), "id": search.field("id")}
        found = search.filter_records(own, args.get("query"), getters, lambda c: [c["code"]])
        return connection(found, args, redeem_code_node)

    return resolve


def _common_view(context: Context, discount: Record) -> Record:
    """The fields every code discount type has."""
    shop = context.shop
    own = [shop.redeem_codes[key] for key in discount["code_keys"] if key in shop.redeem_codes]
    return {
        "title": discount["title"],
        "status": status(context, discount),
        "summary": _summary(context, discount),
        "shortSummary": _summary(context, discount),
        "startsAt": iso(discount["starts_at"]),
        "endsAt": iso(discount["ends_at"]),
        "createdAt": iso(discount["created_at"]),
        "updatedAt": iso(discount["updated_at"]),
        "usageLimit": discount["usage_limit"],
        "appliesOncePerCustomer": discount["applies_once_per_customer"],
        "asyncUsageCount": sum(code["usage_count"] for code in own),
        "codesCount": count(len(own)),
        "codes": _codes(context, discount),
        "combinesWith": discount["combines_with"]
        | {"productDiscountsWithTagsOnSameCartLine": None},
        "context": _context_view(context, discount),
        "minimumRequirement": _minimum(context, discount),
        "tags": list(discount["tags"]),
        "recurringCycleLimit": None,
        "hasTimelineComment": False,
        "shareableUrls": [],
        "totalSales": None,
    }


def basic_view(context: Context, discount: Record) -> Record:
    """DiscountCodeBasic."""
    return _common_view(context, discount) | {
        "__typename": "DiscountCodeBasic",
        "customerGets": {
            "value": _value(context, discount),
            "items": _items(context, discount),
            "appliesOnOneTimePurchase": True,
            "appliesOnSubscription": False,
        },
        "discountClasses": ["ORDER"] if discount["items"].get("all") else ["PRODUCT"],
    }


def _destination_view(discount: Record) -> Record:
    destination = discount["destination"]
    if destination.get("all"):
        return {"__typename": "DiscountCountryAll", "allCountries": True}
    return {
        "__typename": "DiscountCountries",
        "countries": list(destination["countries"]),
        "includeRestOfWorld": destination["include_rest_of_world"],
    }


def free_shipping_view(context: Context, discount: Record) -> Record:
    """DiscountCodeFreeShipping."""
    maximum = discount["maximum_shipping_price"]
    return _common_view(context, discount) | {
        "__typename": "DiscountCodeFreeShipping",
        "destinationSelection": _destination_view(discount),
        "maximumShippingPrice": money(maximum, context.shop.currency) if maximum else None,
        "appliesOnOneTimePurchase": True,
        "appliesOnSubscription": False,
        "discountClass": "SHIPPING",
        "discountClasses": ["SHIPPING"],
    }


def code_discount_view(context: Context, discount: Record) -> Record:
    """The CodeDiscount union member of a discount, by its kind."""
    view = free_shipping_view if discount["kind"] == "free_shipping" else basic_view
    return view(context, discount)


def code_node(context: Context, discount: Record) -> Record:
    """DiscountCodeNode."""
    return {
        "__typename": "DiscountCodeNode",
        "id": gid("DiscountCodeNode", discount["id"]),
        "codeDiscount": code_discount_view(context, discount),
    }


def discount_node(context: Context, discount: Record) -> Record:
    """DiscountNode (the non-deprecated lookup)."""
    return {
        "__typename": "DiscountNode",
        "id": gid("DiscountNode", discount["id"]),
        "discount": code_discount_view(context, discount),
    }
