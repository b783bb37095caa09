"""QueryRoot.shop."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from graphql import GraphQLResolveInfo

from sandbox.shopify.ids import gid
from sandbox.shopify.resolvers.context import ctx, iso

Record = dict[str, Any]


def _offset(timezone: str, now: float) -> tuple[str, int, str]:
    local = datetime.fromtimestamp(now, ZoneInfo(timezone))
    delta = local.utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta is not None else 0
    sign = "+" if minutes >= 0 else "-"
    text = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return text, minutes, local.tzname() or "UTC"


def shop_node(info: GraphQLResolveInfo) -> Record:
    """The Shop object of the request's shop."""
    context = ctx(info)
    shop = context.shop
    offset, minutes, abbreviation = _offset(shop.timezone, context.now())
    storefront = context.sandbox.storefront_base(shop)
    return {
        "__typename": "Shop",
        "id": gid("Shop", shop.id),
        "name": shop.name,
        "email": shop.email,
        "contactEmail": shop.email,
        "shopOwnerName": shop.name,
        "myshopifyDomain": shop.domain,
        "url": storefront,
        "primaryDomain": {
            "id": gid("Domain", shop.id),
            "host": shop.primary_domain or shop.domain,
            "url": storefront,
            "sslEnabled": storefront.startswith("https://"),
            "localization": None,
            "marketWebPresence": None,
        },
        "ianaTimezone": shop.timezone,
        "timezoneAbbreviation": abbreviation,
        "timezoneOffset": offset,
        "timezoneOffsetMinutes": minutes,
        "currencyCode": shop.currency,
        "enabledPresentmentCurrencies": [shop.currency],
        "currencyFormats": {
            "moneyFormat": "{{amount}}",
            "moneyInEmailsFormat": "{{amount}}",
            "moneyWithCurrencyFormat": f"{{{{amount}}}} {shop.currency}",
            "moneyWithCurrencyInEmailsFormat": f"{{{{amount}}}} {shop.currency}",
        },
        "plan": {
            "partnerDevelopment": True,
            "publicDisplayName": "Development",
            "shopifyPlus": False,
        },
        "createdAt": iso(shop.created_at),
        "updatedAt": iso(shop.created_at),
        "checkoutApiSupported": True,
        "setupRequired": False,
        "taxesIncluded": False,
        "taxShipping": False,
        "description": None,
    }


def shop_locales(info: GraphQLResolveInfo, published: bool | None = None) -> list[Record]:
    """QueryRoot.shopLocales: sandbox shops publish one language, English, as primary."""
    del info, published
    return [
        {
            "locale": "en",
            "name": "English",
            "primary": True,
            "published": True,
            "marketWebPresences": [],
        }
    ]


QUERY = {"shop": shop_node, "shopLocales": shop_locales}
