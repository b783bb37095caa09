"""REST-shaped webhook bodies built from the shop's records.

Keys follow the 2026-07 sample payloads in ../shared/fixtures/shopify/webhooks/ (same names and
value types; fields the sandbox does not model are null or empty like in the samples). As in the
samples, customers/* bodies carry no tags and no marketing consent (those are read via GraphQL or
the customers_email_marketing_consent/update topic), and checkouts/* have no top-level id: the
checkout is identified by `token` and its `name` is `#<id>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.shopify.ids import gid
from sandbox.shopify.timestamps import iso_local

if TYPE_CHECKING:
    from sandbox.shopify.state import Shop

Record = dict[str, Any]


def money_set(amount: str, currency: str) -> Record:
    """{shop_money, presentment_money} with one currency."""
    money = {"amount": amount, "currency_code": currency}
    return {"shop_money": money, "presentment_money": dict(money)}


def _time(shop: Shop, value: float | None) -> str | None:
    return iso_local(value, shop.timezone) if value is not None else None


def address_body(record: Record | None, customer_id: int | None = None) -> Record | None:
    """A REST mailing address."""
    if record is None:
        return None
    body = {key: value for key, value in record.items() if key != "time_zone"}
    name = " ".join(part for part in (record.get("first_name"), record.get("last_name")) if part)
    body |= {"name": name or None, "country_name": record.get("country")}
    if customer_id is not None:
        body = {"id": record.get("id"), "customer_id": customer_id} | body | {"default": True}
    return body


def customer_body(shop: Shop, record: Record, with_addresses: bool = True) -> Record:
    """customers/create|update body (also the `customer` embedded in orders and checkouts)."""
    body: Record = {
        "id": record["id"],
        "created_at": _time(shop, record["created_at"]),
        "updated_at": _time(shop, record["updated_at"]),
        "first_name": record["first_name"],
        "last_name": record["last_name"],
        "state": record["state"],
        "note": record["note"],
        "verified_email": record["verified_email"],
        "multipass_identifier": None,
        "tax_exempt": False,
        "email": record["email"],
        "phone": record["phone"],
        "currency": record["currency"],
    }
    address = address_body(record["default_address"], record["id"])
    if with_addresses:
        body["addresses"] = [address] if address else []
    body |= {
        "tax_exemptions": [],
        "admin_graphql_api_id": gid("Customer", record["id"]),
        "default_address": address,
    }
    return body


def customer_metafields(shop: Shop, record: Record) -> list[Record]:
    """The customer's metafields as a webhook carries them (for subscriptions that ask)."""
    return [
        {
            "id": field["id"],
            "namespace": field["namespace"],
            "key": field["key"],
            "value": field["value"],
            "type": field["type"],
            "description": None,
            "owner_id": record["id"],
            "owner_resource": "customer",
            "created_at": _time(shop, field["created_at"]),
            "updated_at": _time(shop, field["updated_at"]),
            "admin_graphql_api_id": gid("Metafield", field["id"]),
        }
        for field in (record.get("metafields") or {}).values()
    ]


def customer_delete_body(record: Record) -> Record:
    """customers/delete body."""
    return {
        "id": record["id"],
        "tax_exemptions": [],
        "admin_graphql_api_id": gid("Customer", record["id"]),
    }


def consent_body(record: Record) -> Record:
    """customers_email_marketing_consent/update body."""
    consent = record["email_marketing_consent"]
    updated = consent["consent_updated_at"]
    return {
        "customer_id": record["id"],
        "email_address": record["email"],
        "email_marketing_consent": {
            "state": consent["state"],
            "opt_in_level": consent["opt_in_level"],
            "consent_updated_at": iso_local(updated, "UTC") if updated is not None else None,
        },
    }


def variant_body(shop: Shop, product: Record, variant: Record) -> Record:
    """One variant in a products/* body."""
    return {
        "admin_graphql_api_id": gid("ProductVariant", variant["id"]),
        "barcode": None,
        "compare_at_price": variant["compare_at_price"],
        "created_at": _time(shop, variant["created_at"]),
        "id": variant["id"],
        "inventory_policy": "deny",
        "position": variant["position"],
        "price": variant["price"],
        "product_id": product["id"],
        "sku": variant["sku"],
        "taxable": True,
        "title": variant["title"],
        "updated_at": _time(shop, variant["updated_at"]),
        "option1": variant["option1"],
        "option2": None,
        "option3": None,
        "image_id": None,
        "inventory_item_id": None,
        "inventory_quantity": variant["inventory_quantity"],
        "old_inventory_quantity": variant.get(
            "old_inventory_quantity", variant["inventory_quantity"]
        ),
    }


def image_body(shop: Shop, product: Record, image: Record) -> Record:
    """One product image in a products/* body."""
    return {
        "id": image["id"],
        "alt": image["alt"],
        "position": image["position"],
        "product_id": product["id"],
        "created_at": _time(shop, product["created_at"]),
        "updated_at": _time(shop, product["updated_at"]),
        "admin_graphql_api_id": gid("ProductImage", image["id"]),
        "width": image["width"],
        "height": image["height"],
        "src": image["src"],
        "variant_ids": [],
    }


def product_body(shop: Shop, record: Record) -> Record:
    """products/create|update body."""
    variants = [variant_body(shop, record, variant) for variant in record["variants"]]
    images = [image_body(shop, record, image) for image in record["images"]]
    return {
        "admin_graphql_api_id": gid("Product", record["id"]),
        "body_html": record["body_html"],
        "created_at": _time(shop, record["created_at"]),
        "handle": record["handle"],
        "id": record["id"],
        "product_type": record["product_type"],
        "published_at": _time(shop, record["published_at"]),
        "template_suffix": None,
        "title": record["title"],
        "updated_at": _time(shop, record["updated_at"]),
        "vendor": record["vendor"],
        "status": record["status"],
        "published_scope": "web",
        "tags": ", ".join(record["tags"]),
        "variants": variants,
        "options": [
            {
                "id": record["id"],
                "product_id": record["id"],
                "name": "Title",
                "position": 1,
                "values": [variant["option1"] for variant in record["variants"]],
            }
        ],
        "images": images,
        "image": images[0] if images else None,
        "media": [],
        "variant_gids": [
            {
                "admin_graphql_api_id": gid("ProductVariant", variant["id"]),
                "updated_at": iso_local(variant["updated_at"], "UTC"),
            }
            for variant in record["variants"]
        ],
        "has_variants_that_requires_components": False,
        "category": None,
    }


def product_delete_body(record: Record) -> Record:
    """products/delete body."""
    return {"id": record["id"]}


def shop_body(shop: Shop) -> Record:
    """The shop object (app/uninstalled)."""
    return {
        "id": shop.id,
        "name": shop.name,
        "email": shop.email,
        "domain": shop.domain,
        "province": None,
        "country": None,
        "address1": None,
        "zip": None,
        "city": None,
        "source": None,
        "phone": None,
        "latitude": None,
        "longitude": None,
        "primary_locale": "en",
        "address2": None,
        "created_at": _time(shop, shop.created_at),
        "updated_at": _time(shop, shop.created_at),
        "currency": shop.currency,
        "customer_email": shop.email,
        "timezone": shop.timezone,
        "iana_timezone": shop.timezone,
        "shop_owner": shop.name,
        "money_format": "{{amount}}",
        "plan_display_name": "Development",
        "plan_name": "partner_test",
        "myshopify_domain": shop.domain,
        "enabled_presentment_currencies": [shop.currency],
    }


def compliance_body(
    shop: Shop, topic: str, customer: Record | None, orders: list[int], request_id: int
) -> Record:
    """customers/data_request, customers/redact or shop/redact (research §3.5)."""
    body: Record = {"shop_id": shop.id, "shop_domain": shop.domain}
    if topic == "shop/redact":
        return body
    body["customer"] = {
        "id": customer["id"] if customer else None,
        "email": customer["email"] if customer else None,
        "phone": customer["phone"] if customer else None,
    }
    if topic == "customers/redact":
        return body | {"orders_to_redact": orders}
    return body | {"orders_requested": orders, "data_request": {"id": request_id}}
