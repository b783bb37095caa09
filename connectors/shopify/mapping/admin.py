"""GraphQL Admin API nodes (the documents in connectors/shopify/documents.py) → neutral values.

Field meanings: https://shopify.dev/docs/api/admin-graphql/2026-07 (Customer, Product, Order,
AbandonedCheckout, Shop). `Customer.email` and `emailMarketingConsent` are deprecated; the
current fields are under `defaultEmailAddress`. The birthday is the standard customer metafield
`facts.birth_date` (type `date`), read under the alias `birthDate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from app.core.values import (
    CartData,
    CustomerData,
    LineData,
    OrderData,
    ProductData,
    ShopData,
    VariantData,
)
from connectors.shopify.mapping.fields import (
    Json,
    PayloadError,
    integer,
    money,
    nodes,
    optional_money,
    platform_id,
    required_id,
    required_timestamp,
    tag_list,
    text,
    timestamp,
)
from connectors.shopify.mapping.webhooks import PAID_STATES, birthday_from, consent_state


def _object(value: object) -> Json:
    return value if isinstance(value, Mapping) else {}


def _image_url(media: object) -> str | None:
    image = _object(_object(_object(media).get("preview")).get("image"))
    return text(image.get("url"))


def shop(data: Json) -> ShopData:
    """The `SHOP` query's answer."""
    node = _object(data.get("shop"))
    if not node:
        raise PayloadError("shop query returned no shop")
    locales = [item for item in data.get("shopLocales") or () if isinstance(item, Mapping)]
    primary = next((item for item in locales if item.get("primary")), None)
    return ShopData(
        name=text(node.get("name")) or "",
        domain=text(node.get("myshopifyDomain")) or "",
        email=text(node.get("contactEmail")),
        timezone=text(node.get("ianaTimezone")) or "UTC",
        currency=text(node.get("currencyCode")) or "USD",
        locale=text(_object(primary).get("locale")) or "en",
        storefront_url=_origin(_object(node.get("primaryDomain")).get("url")),
    )


def _origin(value: object) -> str | None:
    """`scheme://host[:port][/path]` of an http(s) URL without its trailing slash, else None."""
    url = text(value)
    if url is None:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")


def customer(node: Json, *, accepts_marketing: bool | None = None) -> CustomerData:
    """A `NudgeCustomer` fragment."""
    address = _object(node.get("defaultEmailAddress"))
    consent = consent_state(address.get("marketingState"))
    if consent is None and accepts_marketing:
        consent = "subscribed"
    return CustomerData(
        platform_id=required_id(node, "id"),
        email=text(address.get("emailAddress")),
        first_name=text(node.get("firstName")),
        last_name=text(node.get("lastName")),
        consent=consent,
        consent_updated_at=timestamp(address.get("marketingUpdatedAt")),
        birthday=birthday_from(_object(node.get("birthDate")).get("value")),
        # Shopify knows no customer time zone; the default address's is the best guess.
        timezone=text(_object(node.get("defaultAddress")).get("timeZone")),
        locale=text(node.get("locale")),
        tags=tag_list(node.get("tags")) if "tags" in node else None,
        orders_count=integer(node.get("numberOfOrders")),
        total_spent=optional_money(node.get("amountSpent")),
        updated_at=timestamp(node.get("updatedAt")),
    )


def variant(node: Json, position: int) -> VariantData:
    """A `NudgeVariant` fragment."""
    return VariantData(
        platform_id=required_id(node, "id"),
        price=money(node.get("price")),
        title=text(node.get("title")) or "",
        sku=text(node.get("sku")),
        compare_at_price=optional_money(node.get("compareAtPrice")),
        inventory_quantity=integer(node.get("inventoryQuantity")),
        available=node.get("availableForSale") is not False,
        position=integer(node.get("position")) or position,
    )


def product(node: Json, extra_variants: Sequence[Json] = ()) -> ProductData:
    """A product node of the `PRODUCTS` query, plus variants fetched on later pages."""
    variant_nodes = [*nodes(node.get("variants")), *extra_variants]
    return ProductData(
        platform_id=required_id(node, "id"),
        title=text(node.get("title")) or "",
        handle=text(node.get("handle")),
        url=text(node.get("onlineStoreUrl")),
        image_url=_image_url(node.get("featuredMedia")),
        status=(text(node.get("status")) or "active").lower(),
        product_type=text(node.get("productType")),
        vendor=text(node.get("vendor")),
        collections=tuple(
            handle
            for item in nodes(node.get("collections"))
            if (handle := text(item.get("handle")))
        ),
        tags=tag_list(node.get("tags")),
        variants=tuple(variant(item, index) for index, item in enumerate(variant_nodes, start=1)),
        updated_at=timestamp(node.get("updatedAt")),
    )


def variants_page(data: Json) -> tuple[list[Json], str | None]:
    """The `PRODUCT_VARIANTS` answer: variant nodes and the next cursor."""
    connection = _object(_object(data.get("product")).get("variants"))
    return nodes(connection), next_cursor(connection)


def product_variants_cursor(node: Json) -> str | None:
    """The cursor of a product's remaining variants, when the first page did not hold them all."""
    return next_cursor(_object(node.get("variants")))


def _line(item: Json) -> LineData:
    image = _object(item.get("image"))
    return LineData(
        product_platform_id=platform_id(_object(item.get("product")).get("id")),
        variant_platform_id=platform_id(_object(item.get("variant")).get("id")),
        title=text(item.get("title")) or "",
        quantity=integer(item.get("quantity")) or 0,
        price=money(item.get("originalUnitPriceSet")),
        variant_title=text(item.get("variantTitle")),
        image_url=text(image.get("url")),
    )


def _currency(money_set: object, default: str = "USD") -> str:
    shop_money = _object(_object(money_set).get("shopMoney"))
    return text(shop_money.get("currencyCode")) or default


def order(node: Json) -> OrderData:
    """An order node of the `ORDERS` query."""
    placed_at = required_timestamp(node, "processedAt", "createdAt")
    status = (text(node.get("displayFinancialStatus")) or "pending").lower()
    buyer = node.get("customer")
    accepts = node.get("customerAcceptsMarketing") is True
    return OrderData(
        platform_id=required_id(node, "id"),
        placed_at=placed_at,
        email=text(node.get("email")),
        customer=customer(buyer, accepts_marketing=accepts) if isinstance(buyer, Mapping) else None,
        name=text(node.get("name")),
        currency=text(node.get("currencyCode")) or "USD",
        subtotal_price=money(node.get("subtotalPriceSet")),
        total_price=money(node.get("totalPriceSet")),
        discount_codes=tuple(str(code) for code in node.get("discountCodes") or () if code),
        financial_status=status,
        lines=tuple(_line(item) for item in nodes(node.get("lineItems"))),
        cart_token=text(node.get("cartToken")),
        checkout_token=text(node.get("checkoutToken")),
        paid_at=placed_at if status in PAID_STATES else None,
        cancelled_at=timestamp(node.get("cancelledAt")),
        updated_at=timestamp(node.get("updatedAt")),
    )


def abandoned_checkout(node: Json) -> CartData:
    """An `abandonedCheckouts` node. Its numeric id is the checkout's id, and the recovery URL
    carries the checkout token (`.../checkouts/<token>/recover`), which webhooks key on."""
    buyer = node.get("customer")
    buyer_data = customer(buyer) if isinstance(buyer, Mapping) else None
    return CartData(
        platform_token=checkout_token(node),
        updated_at=required_timestamp(node, "updatedAt", "createdAt"),
        kind="checkout",
        email=buyer_data.email if buyer_data else None,
        customer=buyer_data,
        lines=tuple(_line(item) for item in nodes(node.get("lineItems"))),
        subtotal_price=money(node.get("subtotalPriceSet")),
        currency=_currency(node.get("subtotalPriceSet")),
        recovery_url=text(node.get("abandonedCheckoutUrl")),
        completed_at=timestamp(node.get("completedAt")),
    )


def checkout_token(node: Json) -> str:
    """The checkout token from the recovery URL, else the numeric id (never both formats)."""
    url = text(node.get("abandonedCheckoutUrl")) or ""
    parts = url.split("?", 1)[0].rstrip("/").split("/")
    if len(parts) >= 2 and parts[-1] == "recover" and parts[-2]:
        return parts[-2]
    return required_id(node, "id")


def next_cursor(connection: Any) -> str | None:
    """The end cursor of a connection when another page follows, else None."""
    info = _object(_object(connection).get("pageInfo"))
    if info.get("hasNextPage") and isinstance(info.get("endCursor"), str):
        return str(info["endCursor"])
    return None
