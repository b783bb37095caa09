"""Code discounts: `discountCodeBasicCreate/Update`, `discountCodeFreeShippingCreate/Update`,
`discountCodeDelete` and the discount lookups.

Each kind is data (`DiscountKind`): the mutation argument that carries its input, and the
parser of the fields only that kind has (`customerGets` for basic; `destination` and
`maximumShippingPrice` for free shipping). The common fields are checked by `discount_rules`, so
both kinds answer the same userErrors under their own field paths. Codes are unique per shop,
case-insensitively (codeDiscountNodeByCode is case-insensitive).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo

from sandbox.shopify.ids import parse_gid, require_gid
from sandbox.shopify.resolvers.context import Context, ctx, user_error
from sandbox.shopify.resolvers.discount_rules import (
    Invalid,
    common_fields,
    ends_before_start,
)
from sandbox.shopify.resolvers.discount_views import code_node, discount_node
from sandbox.shopify.timestamps import parse_time

Record = dict[str, Any]


def _ids(
    values: list[str] | None, type_name: str, table: dict[int, Any], field: list[str]
) -> list[int]:
    ids = [parse_gid(value, type_name) for value in values or []]
    missing = [value for value, found in zip(values or [], ids, strict=True) if found not in table]
    if missing:
        raise Invalid(user_error(field, f"{type_name} {missing[0]} does not exist", "INVALID"))
    return [found for found in ids if found is not None]


def _value(gets: Record, root: str) -> Record:
    value = gets.get("value") or {}
    given = [
        key
        for key in ("percentage", "discountAmount", "discountOnQuantity")
        if value.get(key) is not None
    ]
    field = [root, "customerGets", "value"]
    if len(given) != 1:
        raise Invalid(
            user_error(
                field, "Value must have exactly one of percentage or discountAmount", "INVALID"
            )
        )
    if given[0] == "discountOnQuantity":
        raise Invalid(
            user_error(
                field, "discountOnQuantity is only valid on Buy X Get Y discounts", "INVALID"
            )
        )
    if given[0] == "percentage":
        if not 0 < value["percentage"] <= 1:
            raise Invalid(
                user_error(
                    field + ["percentage"],
                    "Value must be between 0.0 and 1.0",
                    "VALUE_OUTSIDE_RANGE",
                )
            )
        return {"percentage": value["percentage"]}
    amount = value["discountAmount"]
    return {
        "amount": f"{float(amount['amount']):.2f}",
        "applies_on_each_item": bool(amount.get("appliesOnEachItem")),
    }


def _items(context: Context, gets: Record, root: str) -> Record:
    items = gets.get("items") or {}
    shop, field = context.shop, [root, "customerGets", "items"]
    if items.get("all"):
        return {"all": True}
    if items.get("products"):
        chosen = items["products"]
        variants = {v["id"]: v for p in shop.products.values() for v in p["variants"]}
        return {
            "products": _ids(chosen.get("productsToAdd"), "Product", shop.products, field),
            "variants": _ids(chosen.get("productVariantsToAdd"), "ProductVariant", variants, field),
        }
    if items.get("collections"):
        return {
            "collections": _ids(
                items["collections"].get("add"), "Collection", shop.collections, field
            )
        }
    raise Invalid(user_error(field, "Items must be specified", "BLANK"))


def _basic_fields(context: Context, data: Record, root: str) -> Record:
    gets = data.get("customerGets")
    if not gets:
        raise Invalid(user_error([root, "customerGets"], "Customer gets can't be blank", "BLANK"))
    return {"value": _value(gets, root), "items": _items(context, gets, root)}


def _destination(data: Record, root: str) -> Record:
    # DiscountShippingDestinationSelectionInput: `all` or a country list, never both.
    chosen = data.get("destination") or {"all": True}
    field = [root, "destination"]
    countries = chosen.get("countries")
    if chosen.get("all") and countries is not None:
        raise Invalid(
            user_error(field, "Destination can be all countries or a list, not both", "CONFLICT")
        )
    if countries is None:
        if not chosen.get("all"):
            raise Invalid(user_error(field, "Destination can't be blank", "BLANK"))
        return {"all": True}
    codes = sorted(set(countries.get("add") or []) - set(countries.get("remove") or []))
    rest = bool(countries.get("includeRestOfWorld"))
    if not codes and not rest:
        raise Invalid(user_error(field + ["countries"], "Countries can't be blank", "BLANK"))
    return {"countries": codes, "include_rest_of_world": rest}


def _maximum_shipping(data: Record, root: str) -> str | None:
    value = data.get("maximumShippingPrice")
    if value is None:
        return None
    field = [root, "maximumShippingPrice"]
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise Invalid(user_error(field, "Maximum shipping price is invalid", "INVALID")) from None
    if amount < 0:
        raise Invalid(
            user_error(
                field,
                "Maximum shipping price must be greater than or equal to 0",
                "GREATER_THAN_OR_EQUAL_TO",
            )
        )
    return f"{amount:.2f}"


def _free_shipping_fields(context: Context, data: Record, root: str) -> Record:
    del context
    if (data.get("combinesWith") or {}).get("shippingDiscounts"):
        # A shipping discount cannot stack with another shipping discount (Shopify help:
        # "Combining discounts"); the enum names the case.
        raise Invalid(
            user_error(
                [root, "combinesWith"],
                "A shipping discount can't combine with other shipping discounts",
                "INVALID_COMBINES_WITH_FOR_DISCOUNT_CLASS",
            )
        )
    return {
        "destination": _destination(data, root),
        "maximum_shipping_price": _maximum_shipping(data, root),
    }


@dataclass(frozen=True)
class DiscountKind:
    """One kind of code discount: the argument carrying its input and its own fields."""

    name: str
    root: str
    own_fields: Callable[[Context, Record, str], Record]
    #: The part of its input the sandbox can change on an existing discount.
    updatable: frozenset[str] = frozenset(("endsAt", "title", "usageLimit"))


BASIC = DiscountKind("basic", "basicCodeDiscount", _basic_fields)
FREE_SHIPPING = DiscountKind("free_shipping", "freeShippingCodeDiscount", _free_shipping_fields)


def add_redeem_code(context: Context, discount: Record, code: str) -> Record:
    """Store one redeem code of `discount` (the caller checked it is free)."""
    record = {
        "id": context.sandbox.ids.next(),
        "code": code,
        "discount_id": discount["id"],
        "usage_count": 0,
        "created_at": context.now(),
    }
    context.shop.redeem_codes[code.lower()] = record
    discount["code_keys"].append(code.lower())
    return record


def _create(kind: DiscountKind, info: GraphQLResolveInfo, data: Record) -> Record:
    context = ctx(info)
    try:
        fields = common_fields(context, data, kind.root) | kind.own_fields(context, data, kind.root)
    except Invalid as invalid:
        return {"codeDiscountNode": None, "userErrors": [invalid.error]}
    now = context.now()
    discount: Record = {"id": context.sandbox.ids.next(), "kind": kind.name, "code_keys": []}
    discount |= fields | {"created_at": now, "updated_at": now}
    context.shop.discounts[discount["id"]] = discount
    add_redeem_code(context, discount, data["code"])
    return {"codeDiscountNode": code_node(context, discount), "userErrors": []}


def _update(kind: DiscountKind, info: GraphQLResolveInfo, id: str, data: Record) -> Record:  # noqa: A002
    context = ctx(info)
    unsupported = sorted(set(data) - kind.updatable)
    if unsupported:
        raise GraphQLError(
            f"The Shopify sandbox only updates {', '.join(sorted(kind.updatable))}, "
            f"not {unsupported}",
            extensions={"code": "SANDBOX_NOT_IMPLEMENTED"},
        )
    discount = find_discount(context, id)
    if discount is None or discount["kind"] != kind.name:
        # An update of one kind cannot reach a discount of another (Shopify: not found).
        error = user_error(["id"], "Discount does not exist", "INVALID")
        return {"codeDiscountNode": None, "userErrors": [error]}
    ends = parse_time(str(data["endsAt"])) if data.get("endsAt") else None
    if "endsAt" in data and ends is not None and ends <= discount["starts_at"]:
        return {"codeDiscountNode": None, "userErrors": [ends_before_start(kind.root)]}
    if "endsAt" in data:
        discount["ends_at"] = ends
    if data.get("title"):
        discount["title"] = data["title"]
    if "usageLimit" in data:
        discount["usage_limit"] = data["usageLimit"]
    discount["updated_at"] = context.now()
    return {"codeDiscountNode": code_node(context, discount), "userErrors": []}


def _creator(kind: DiscountKind) -> Callable[..., Record]:
    def create(info: GraphQLResolveInfo, **args: Any) -> Record:
        return _create(kind, info, args[kind.root])

    create.__doc__ = f"Mutation that creates a {kind.name} code discount ({kind.root})."
    return create


def _updater(kind: DiscountKind) -> Callable[..., Record]:
    def update(info: GraphQLResolveInfo, id: str, **args: Any) -> Record:  # noqa: A002
        return _update(kind, info, id, args[kind.root])

    update.__doc__ = (
        f"Mutation that updates a {kind.name} code discount: endsAt, title, usageLimit."
    )
    return update


def find_discount(context: Context, value: str) -> Record | None:
    """The discount of a DiscountCodeNode (or DiscountNode) gid."""
    if require_gid(value, "DiscountCodeNode") is None and parse_gid(value, "DiscountNode") is None:
        return None
    number = parse_gid(value, "DiscountCodeNode") or parse_gid(value, "DiscountNode")
    return context.shop.discounts.get(number or 0)


def delete(info: GraphQLResolveInfo, id: str) -> Record:  # noqa: A002
    """Mutation.discountCodeDelete(id): the discount and all its codes."""
    context = ctx(info)
    discount = find_discount(context, id)
    if discount is None:
        error = user_error(["id"], "Discount does not exist", "INVALID")
        return {"deletedCodeDiscountId": None, "userErrors": [error]}
    for key in discount["code_keys"]:
        context.shop.redeem_codes.pop(key, None)
    del context.shop.discounts[discount["id"]]
    return {"deletedCodeDiscountId": id, "userErrors": []}


def by_code(info: GraphQLResolveInfo, code: str) -> Record | None:
    """QueryRoot.codeDiscountNodeByCode(code), case-insensitive."""
    context = ctx(info)
    redeem = context.shop.redeem_codes.get(code.lower())
    discount = context.shop.discounts.get(redeem["discount_id"]) if redeem else None
    return code_node(context, discount) if discount else None


def by_id(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.codeDiscountNode(id)."""
    context = ctx(info)
    discount = find_discount(context, id)
    return code_node(context, discount) if discount else None


def node_by_id(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.discountNode(id)."""
    context = ctx(info)
    discount = find_discount(context, id)
    return discount_node(context, discount) if discount else None


QUERY = {"codeDiscountNode": by_id, "codeDiscountNodeByCode": by_code, "discountNode": node_by_id}
MUTATION = {
    "discountCodeBasicCreate": _creator(BASIC),
    "discountCodeBasicUpdate": _updater(BASIC),
    "discountCodeFreeShippingCreate": _creator(FREE_SHIPPING),
    "discountCodeFreeShippingUpdate": _updater(FREE_SHIPPING),
    "discountCodeDelete": delete,
}
