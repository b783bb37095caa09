"""Changes to a shop's customers, catalog and app installation, each emitting its webhooks.

Callers hold `Sandbox.lock`. Input is validated completely (records.py) before anything is
stored, so an InputError leaves the shop unchanged and emits nothing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sandbox.shopify import payloads, records
from sandbox.shopify.records import InputError

if TYPE_CHECKING:
    from sandbox.shopify.state import Sandbox, Shop

Record = dict[str, Any]


def _customer_defaults(shop: Shop) -> Record:
    return {
        "email": None,
        "first_name": None,
        "last_name": None,
        "phone": None,
        "state": "disabled",
        "note": None,
        "verified_email": True,
        "tags": [],
        "locale": "en",
        "currency": shop.currency,
        "default_address": None,
        "time_zone": None,
        "birth_date": None,
    }


def _check_unique_email(shop: Shop, email: str | None, customer_id: int | None) -> None:
    if email is None:
        return
    for record in shop.customers.values():
        if record["id"] != customer_id and (record["email"] or "").lower() == email.lower():
            raise InputError(f"email {email!r} has already been taken")


def create_customer(sandbox: Sandbox, shop: Shop, data: Record) -> Record:
    """Add a customer (customers/create)."""
    now = sandbox.now()
    fields = records.customer_fields(data, now, creating=True)
    _check_unique_email(shop, fields.get("email"), None)
    updated_at = records.timestamp(data, "updated_at", now)  # seeds may carry history
    record = (
        _customer_defaults(shop) | fields | {"id": sandbox.ids.next(), "updated_at": updated_at}
    )
    _sync_birth_date(sandbox, record, now)
    shop.customers[record["id"]] = record
    _emit_customer(sandbox, shop, "customers/create", record)
    return record


def _emit_customer(sandbox: Sandbox, shop: Shop, topic: str, record: Record) -> None:
    body = payloads.customer_body(shop, record)
    metafields = payloads.customer_metafields(shop, record)
    sandbox.webhooks.emit(shop, topic, body, metafields=metafields)


def update_customer(sandbox: Sandbox, shop: Shop, customer_id: int, data: Record) -> Record:
    """Change a customer (customers/update, and the consent topic when consent changed)."""
    record = _existing(shop.customers, customer_id, "customer")
    now = sandbox.now()
    fields = records.customer_fields(data, now, creating=False)
    _check_unique_email(shop, fields.get("email"), customer_id)
    consent_before = record["email_marketing_consent"]
    record |= fields | {"updated_at": now}
    _sync_birth_date(sandbox, record, now)
    _emit_customer(sandbox, shop, "customers/update", record)
    if record["email_marketing_consent"] != consent_before:
        topic = "customers_email_marketing_consent/update"
        sandbox.webhooks.emit(shop, topic, payloads.consent_body(record))
    return record


def _sync_birth_date(sandbox: Sandbox, record: Record, now: float) -> None:
    """Keep the standard metafield facts.birth_date (research §6) in step with birth_date."""
    metafields = record.setdefault("metafields", {})
    current = metafields.get("facts.birth_date")
    if record["birth_date"] is None:
        metafields.pop("facts.birth_date", None)
    elif current is None or current["value"] != record["birth_date"]:
        metafields["facts.birth_date"] = {
            "id": current["id"] if current else sandbox.ids.next(),
            "namespace": "facts",
            "key": "birth_date",
            "type": "date",
            "value": record["birth_date"],
            "created_at": current["created_at"] if current else now,
            "updated_at": now,
        }


def set_consent(sandbox: Sandbox, shop: Shop, record: Record, consent: Record, source: str) -> None:
    """Store a marketing-consent change made by the app and log it for the control API."""
    now = sandbox.now()
    before = dict(record["email_marketing_consent"])
    record["email_marketing_consent"] = consent
    record["updated_at"] = now
    shop.consent_updates.append(
        {
            "customer_id": record["id"],
            "before": before,
            "after": consent,
            "source": source,
            "at": now,
        }
    )
    _emit_customer(sandbox, shop, "customers/update", record)
    topic = "customers_email_marketing_consent/update"
    sandbox.webhooks.emit(shop, topic, payloads.consent_body(record))


def delete_customer(sandbox: Sandbox, shop: Shop, customer_id: int) -> Record:
    """Remove a customer (customers/delete)."""
    record = _existing(shop.customers, customer_id, "customer")
    del shop.customers[customer_id]
    sandbox.webhooks.emit(shop, "customers/delete", payloads.customer_delete_body(record))
    return record


def _existing(table: dict[Any, Record], key: Any, what: str) -> Record:
    record = table.get(key)
    if record is None:
        raise LookupError(f"{what} {key} not found")
    return record


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "product"


def _unique_handle(shop: Shop, wanted: str, product_id: int | None) -> str:
    taken = {p["handle"] for p in shop.products.values() if p["id"] != product_id}
    handle, suffix = wanted, 1
    while handle in taken:
        handle, suffix = f"{wanted}-{suffix}", suffix + 1
    return handle


def _collection_ids(shop: Shop, value: object) -> list[int]:
    if not isinstance(value, list):
        raise InputError("collections must be a list of collection ids or handles")
    by_handle = {c["handle"]: c["id"] for c in shop.collections.values()}
    ids = []
    for item in value:
        found = item if item in shop.collections else by_handle.get(str(item))
        if found is None:
            raise InputError(f"collection {item!r} not found (create it first)")
        ids.append(found)
    return ids


def _variants(sandbox: Sandbox, product: Record, value: object, now: float) -> list[Record]:
    if not isinstance(value, list) or not value:
        raise InputError("variants must be a non-empty list")
    current = {variant["id"]: variant for variant in product.get("variants", [])}
    result = []
    for index, item in enumerate(value):
        fields = records.variant_input(item, index)
        existing = current.get(item.get("id")) if isinstance(item, dict) else None
        if isinstance(item, dict) and "id" in item and existing is None:
            raise InputError(f"variants[{index}].id {item['id']} is not a variant of this product")
        base = existing or {"id": sandbox.ids.next(), "created_at": now}
        if existing is not None:
            fields = {key: fields[key] for key in fields if key in item or key == "option1"}
            fields["old_inventory_quantity"] = existing["inventory_quantity"]
        result.append(base | fields | {"position": index + 1, "updated_at": now})
    return result


def _images(sandbox: Sandbox, value: object) -> list[Record]:
    if not isinstance(value, list):
        raise InputError("images must be a list")
    return [
        records.image_input(item, index) | {"id": sandbox.ids.next(), "position": index + 1}
        for index, item in enumerate(value)
    ]


def _product_parts(sandbox: Sandbox, shop: Shop, product: Record, data: Record) -> Record:
    """Variants, images and collections from input, all validated before any is applied."""
    now, parts = sandbox.now(), Record()
    if "variants" in data or not product.get("variants"):
        parts["variants"] = _variants(sandbox, product, data.get("variants", [{}]), now)
    if "images" in data:
        parts["images"] = _images(sandbox, data["images"])
    if "collections" in data:
        parts["collection_ids"] = _collection_ids(shop, data["collections"])
    return parts


def create_product(sandbox: Sandbox, shop: Shop, data: Record) -> Record:
    """Add a product with its variants, images and collections (products/create)."""
    now = sandbox.now()
    fields = records.product_fields(data, creating=True)
    product: Record = {"id": sandbox.ids.next(), "created_at": now, "updated_at": now}
    product |= {"body_html": "", "vendor": shop.name, "product_type": "", "status": "active"}
    product |= {"tags": [], "images": [], "collection_ids": []} | fields
    product |= _product_parts(sandbox, shop, product, data)
    product["handle"] = _unique_handle(shop, fields.get("handle") or _slug(product["title"]), None)
    product["published_at"] = now if product["status"] == "active" else None
    shop.products[product["id"]] = product
    sandbox.webhooks.emit(shop, "products/create", payloads.product_body(shop, product))
    return product


def update_product(sandbox: Sandbox, shop: Shop, product_id: int, data: Record) -> Record:
    """Change a product; variants with an `id` are updated, others added (products/update)."""
    product = _existing(shop.products, product_id, "product")
    fields = records.product_fields(data, creating=False)
    parts = _product_parts(sandbox, shop, product, data)
    if "handle" in fields:
        fields["handle"] = _unique_handle(
            shop, fields["handle"] or _slug(product["title"]), product_id
        )
    product |= fields | parts | {"updated_at": sandbox.now()}
    if product["status"] == "active" and product.get("published_at") is None:
        product["published_at"] = sandbox.now()
    sandbox.webhooks.emit(shop, "products/update", payloads.product_body(shop, product))
    return product


def delete_product(sandbox: Sandbox, shop: Shop, product_id: int) -> Record:
    """Remove a product (products/delete)."""
    product = _existing(shop.products, product_id, "product")
    del shop.products[product_id]
    sandbox.webhooks.emit(shop, "products/delete", payloads.product_delete_body(product))
    return product


def create_collection(sandbox: Sandbox, shop: Shop, data: Record) -> Record:
    """Add a custom collection (no webhook: Nudge does not subscribe to collections/*)."""
    title = records.text(data, "title", required=True) or ""
    handle = records.text(data, "handle") or _slug(title)
    if any(c["handle"] == handle for c in shop.collections.values()):
        raise InputError(f"collection handle {handle!r} has already been taken")
    now = sandbox.now()
    record: Record = {"id": sandbox.ids.next(), "title": title, "handle": handle}
    record["updated_at"] = now
    shop.collections[record["id"]] = record
    return record


def install(sandbox: Sandbox, shop: Shop, scopes: str | None = None) -> None:
    """Shopify-managed install (or an approved OAuth grant): the app gets its scopes."""
    shop.installed = True
    shop.scopes = scopes or sandbox.config.scopes


def uninstall(sandbox: Sandbox, shop: Shop) -> int:
    """app/uninstalled, then revoke every token and drop API subscriptions and the app's web
    pixel (as Shopify does)."""
    sandbox.webhooks.emit(shop, "app/uninstalled", payloads.shop_body(shop))
    shop.installed = False
    shop.subscriptions.clear()
    shop.web_pixel = None  # an uninstalled app's extensions stop running on the shop
    return sandbox.tokens.revoke(shop.domain)


def send_compliance(
    sandbox: Sandbox, shop: Shop, topic: str, customer_id: int | None
) -> str | None:
    """Trigger customers/data_request, customers/redact or shop/redact for `shop`."""
    customer = None
    if topic != "shop/redact":
        if customer_id is None:
            raise InputError(f"{topic} needs a customer_id")
        customer = _existing(shop.customers, customer_id, "customer")
    orders = [o["id"] for o in shop.orders.values() if customer and o["customer_id"] == customer_id]
    body = payloads.compliance_body(shop, topic, customer, orders, sandbox.ids.next())
    return sandbox.webhooks.emit(shop, topic, body)
