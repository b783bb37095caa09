"""The documented variables an email template sees, built from an `EmailContext`.

This is the whole vocabulary of a template (default or merchant-edited): what is not listed in
`TEMPLATE_VARIABLES` does not exist, and `validate_template` says so. Every value is already
formatted for the recipient (money in the store's currency and the email's locale, the code's
expiry in the recipient's time zone) and every link is absolute, so templates only place text.
`templates/emails/README.md` documents the same list for merchants; keep the two in step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin, urlsplit

from app.core.messaging.contracts import Branding, EmailContext, EmailProduct
from app.core.messaging.localize import (
    format_moment,
    format_money,
    format_remaining,
    parse_locale,
    parse_zone,
)

DEFAULT_ACCENT = "#008060"
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


@dataclass(frozen=True)
class StoreVars:
    """`store.*`: who the email is from."""

    name: str
    url: str
    logo_url: str | None
    accent_color: str
    sender_name: str
    email: str
    reply_to: str | None
    postal_address: str


@dataclass(frozen=True)
class ProductVars:
    """One entry of `products` (and `product`): a cart line, a viewed product or a pick."""

    title: str
    url: str
    image_url: str | None
    variant: str | None
    price: str
    quantity: int | None
    line_total: str | None
    reason: str | None


TEMPLATE_VARIABLES: Mapping[str, str] = {
    "first_name": "the customer's first name, or nothing when unknown",
    "greeting_name": "the first name, or 'there' when unknown (for 'Hi {{ greeting_name }}')",
    "email": "the recipient's email address",
    "store": "the store: name, url, logo_url, accent_color, sender_name, email, reply_to, "
    "postal_address",
    "products": "the products shown (cart lines, the viewed product, recommendations)",
    "product": "the first of `products`, or nothing",
    "item_count": "how many items the products add up to (quantities counted)",
    "cart_subtotal": "the cart's subtotal with its currency, or nothing",
    "code": "the discount code, or nothing when this step has none",
    "discount": "what the code gives ('10% off'), or nothing",
    "code_expires": "when the code expires, in the recipient's time zone, or nothing",
    "code_expires_in": "how long the code is still valid ('in 3 days'), or nothing",
    "cta_url": "the main link: the cart recovery link, the product or the shop",
    "shop_url": "the store's home page",
    "unsubscribe_url": "the recipient's one-click unsubscribe page",
    "recipe": "the recipe key (abandoned_cart, product_interest, cross_sell, birthday)",
    "step": "the step number within the recipe, from 0",
    "extra": "further values the recipe adds, by name",
}

OBJECT_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "store": frozenset(field.name for field in fields(StoreVars)),
    "product": frozenset(field.name for field in fields(ProductVars)),
}


class UnsafeLink(ValueError):
    """A required link (call to action, unsubscribe, shop) is not an absolute http(s) URL."""


def absolute_url(url: str | None, base: str) -> str | None:
    """`url` resolved against `base`; None for empty or non-web (javascript:, data:) links."""
    if not url or not url.strip():
        return None
    resolved = urljoin(base.rstrip("/") + "/", url.strip())
    parts = urlsplit(resolved)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return resolved


def required_url(url: str, base: str, what: str) -> str:
    """Like `absolute_url` but a missing or unsafe link is an error naming it."""
    resolved = absolute_url(url, base)
    if resolved is None:
        raise UnsafeLink(f"{what} must be an absolute http(s) URL, got {url!r}")
    return resolved


def accent_color(value: str | None) -> str:
    """The merchant's accent colour when it is a #rgb/#rrggbb value (it goes into CSS)."""
    return value if value and _HEX_COLOUR.match(value) else DEFAULT_ACCENT


def store_vars(branding: Branding) -> StoreVars:
    """`store` from the merchant's branding, with links made safe."""
    shop = required_url(branding.store_url, branding.store_url, "the store URL")
    return StoreVars(
        name=branding.store_name,
        url=shop,
        logo_url=absolute_url(branding.logo_url, shop),
        accent_color=accent_color(branding.accent_color),
        sender_name=branding.from_name or branding.store_name,
        email=branding.from_email,
        reply_to=branding.reply_to,
        postal_address=branding.postal_address.strip(),
    )


def template_variables(context: EmailContext, now: datetime) -> dict[str, Any]:
    """The documented variables for `context`, formatted for its locale and time zone."""
    locale = parse_locale(context.locale)
    store = store_vars(context.branding)

    def money(amount: Decimal | None) -> str | None:
        return None if amount is None else format_money(amount, context.currency, locale)

    products = [_product_vars(item, store.url, money) for item in context.products]
    expires = context.code_expires_at if context.code else None
    return {
        "first_name": context.first_name or None,
        "greeting_name": context.first_name or "there",
        "email": context.to_email,
        "store": store,
        "products": products,
        "product": products[0] if products else None,
        "item_count": sum(item.quantity or 1 for item in context.products),
        "cart_subtotal": money(context.cart_subtotal),
        "code": context.code or None,
        "discount": context.discount_label if context.code else None,
        "code_expires": format_moment(expires, locale, parse_zone(context.timezone))
        if expires
        else None,
        "code_expires_in": format_remaining(expires, now, locale) if expires else None,
        "cta_url": required_url(context.cta_url, store.url, "the call-to-action link"),
        "shop_url": store.url,
        "unsubscribe_url": required_url(context.unsubscribe_url, store.url, "the unsubscribe link"),
        "recipe": context.recipe,
        "step": context.step,
        "extra": dict(context.extra),
    }


def _product_vars(item: EmailProduct, shop: str, money: Any) -> ProductVars:
    line_total = money(item.price * item.quantity) if item.quantity and item.quantity > 1 else None
    return ProductVars(
        title=item.title,
        url=absolute_url(item.url, shop) or shop,
        image_url=absolute_url(item.image_url, shop),
        variant=item.variant_title or None,
        price=money(item.price),
        quantity=item.quantity,
        line_total=line_total,
        reason=item.reason or None,
    )


def sample_context(recipe: str = "abandoned_cart", step: int = 1) -> EmailContext:
    """A realistic context for previews and trial renders when a store has no data yet."""
    now = datetime.now(UTC).replace(microsecond=0)
    return EmailContext(
        recipe=recipe,
        step=step,
        to_email="ada@example.com",
        branding=Branding(
            store_name="Sample Store",
            store_url="https://shop.example.com",
            from_email="hello@shop.example.com",
            from_name="Sample Store",
            postal_address="1 Market Street\nSan Francisco, CA 94105\nUSA",
            logo_url="https://shop.example.com/logo.png",
        ),
        currency="USD",
        locale="en",
        timezone="America/New_York",
        cta_url="https://shop.example.com/cart/recover/sample",
        unsubscribe_url="https://nudge.example.com/u/sample",
        first_name="Ada",
        products=(
            EmailProduct(
                title="Trail Runner",
                url="https://shop.example.com/products/trail-runner",
                price=Decimal("89.00"),
                image_url="https://shop.example.com/images/trail-runner.jpg",
                variant_title="Blue / 42",
                quantity=1,
            ),
            EmailProduct(
                title="Merino Socks",
                url="https://shop.example.com/products/merino-socks",
                price=Decimal("14.50"),
                quantity=2,
                reason="Often bought with Trail Runner",
            ),
        ),
        cart_subtotal=Decimal("118.00"),
        code="NUDGE-SAMPLE10",
        code_expires_at=now + timedelta(hours=72),
        discount_label="10% off",
    )


def sample_variables() -> dict[str, Any]:
    """The variables of `sample_context()`, for trial renders of merchant templates."""
    return template_variables(sample_context(), datetime.now(UTC))
