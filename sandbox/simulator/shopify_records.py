"""The control-API bodies that seed a sandbox Shopify shop: a product and a customer."""

from __future__ import annotations

from typing import Any

from sandbox.simulator.catalog import ProductSpec
from sandbox.simulator.people import CustomerSpec

Json = dict[str, Any]


def product_body(spec: ProductSpec, image_url: str) -> Json:
    """A product with one variant, its stock, its collection and its generated picture."""
    variant = {
        "title": "Default Title",
        "price": str(spec.price),
        "compare_at_price": str(spec.compare_at_price) if spec.compare_at_price else None,
        "sku": spec.sku,
        "inventory_quantity": spec.stock,
    }
    return {
        "title": spec.title,
        "handle": spec.handle,
        "body_html": f"<p>{spec.description}</p>",
        "vendor": spec.vendor,
        "product_type": spec.category,
        "status": "active",
        "tags": [spec.category.lower(), "simulator"],
        "images": [{"src": image_url, "alt": spec.title, "width": 600, "height": 600}],
        "variants": [variant],
        "collections": [spec.category.lower()],
    }


def customer_body(person: CustomerSpec) -> Json:
    """A customer with consent, time zone (also on the default address) and birthday (the
    `facts.birth_date` metafield)."""
    body: Json = {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "state": "enabled",
        "tags": ["simulator"],
        "time_zone": person.time_zone,
        "email_marketing_consent": {"state": person.consent, "opt_in_level": "single_opt_in"},
        "default_address": {
            "first_name": person.first_name,
            "last_name": person.last_name,
            "city": person.city,
            "province_code": person.province_code or None,
            "country_code": person.country_code,
            "time_zone": person.time_zone,
        },
    }
    if person.birthday is not None:
        body["birth_date"] = person.birthday.isoformat()
    return body
