"""Webhook records: topics, the REST body, and the settings WooCommerce keeps on each.

Sources: `class-wc-rest-webhooks-v1/v2-controller.php`, `class-wc-webhook.php`,
`wc-webhook-functions.php`. A webhook created through REST is always `active` (the controller
maps the new post's `publish` status to active and ignores a requested status), its secret is
write-only, and `api_version` `wp_api_v3` makes deliveries use the `/wc/v3` bodies.
"""

from __future__ import annotations

import secrets
import string
from typing import Any
from urllib.parse import urlsplit

from sandbox.woocommerce import records
from sandbox.woocommerce.dates import gmt_string, local_string, utc_now
from sandbox.woocommerce.state import ADMIN_USER_ID, Record, Store

STATUSES = ("active", "paused", "disabled")

# `WC_Webhook::get_default_topic_hooks()` (WooCommerce 10.9+ derives the valid topics from it).
TOPIC_HOOKS: dict[str, list[str]] = {
    "coupon.created": ["woocommerce_process_shop_coupon_meta", "woocommerce_new_coupon"],
    "coupon.updated": ["woocommerce_process_shop_coupon_meta", "woocommerce_update_coupon"],
    "coupon.deleted": ["wp_trash_post"],
    "coupon.restored": ["untrashed_post"],
    "customer.created": [
        "user_register",
        "woocommerce_created_customer",
        "woocommerce_new_customer",
    ],
    "customer.updated": ["profile_update", "woocommerce_update_customer"],
    "customer.deleted": ["delete_user"],
    "order.created": ["woocommerce_new_order"],
    "order.updated": [
        "woocommerce_update_order",
        "woocommerce_order_refunded",
        "woocommerce_delete_order_refund",
    ],
    "order.deleted": ["wp_trash_post", "woocommerce_trash_order"],
    "order.restored": ["untrashed_post", "woocommerce_untrash_order"],
    "product.created": [
        "woocommerce_process_product_meta",
        "woocommerce_new_product",
        "woocommerce_new_product_variation",
    ],
    "product.updated": [
        "woocommerce_process_product_meta",
        "woocommerce_update_product",
        "woocommerce_update_product_variation",
    ],
    "product.deleted": ["wp_trash_post"],
    "product.restored": ["untrashed_post"],
    "product.published": ["woocommerce_product_published"],
}
_BLOCKED_ACTIONS = {
    "action.woocommerce_login_credentials",
    "action.woocommerce_product_csv_importer_check_import_file_path",
    "action.woocommerce_webhook_should_deliver",
}
# `wp_generate_password( 50, true, true )`.
_SECRET_ALPHABET = string.ascii_letters + string.digits + "!@#$%^&*()" + "-_ []{}<>~`+=,.;:/?|"


def is_valid_topic(topic: str) -> bool:
    """`wc_is_webhook_valid_topic`."""
    if topic in _BLOCKED_ACTIONS:
        return False
    if topic.startswith(("action.woocommerce_", "action.wc_")):
        return True
    return topic in TOPIC_HOOKS


def is_valid_url(url: str) -> bool:
    """`wc_is_valid_url`: http(s) with a host."""
    if not url.startswith(("http://", "https://")):
        return False
    parts = urlsplit(url)
    return bool(parts.hostname) and " " not in url


def generated_secret() -> str:
    """The secret WooCommerce generates when none is given."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(50))


def new_webhook(store: Store, values: dict[str, Any], user_id: int = ADMIN_USER_ID) -> Record:
    """A webhook as `create_item` saves it: active, pending its first delivery (the ping)."""
    now = utc_now()
    local = now.astimezone(store.settings.zone)
    webhook = {
        "id": store.next_webhook_id(),
        "name": values.get("name")
        or f"Webhook created on {local.strftime('%b %d, %Y @ %I:%M %p')}",
        "status": "active",
        "topic": values["topic"].lower(),
        "delivery_url": values["delivery_url"],
        "secret": values.get("secret") or generated_secret(),
        "user_id": user_id,
        "api_version": "wp_api_v3",
        "failure_count": 0,
        "pending_delivery": True,
        "date_created": now,
        "date_modified": now,
    }
    store.webhooks[webhook["id"]] = webhook
    return webhook


def resource_and_event(topic: str) -> tuple[str, str]:
    """`order.updated` -> ("order", "updated")."""
    resource, _, event = topic.partition(".")
    return resource, event


def webhook_view(store: Store, webhook: Record) -> Record:
    """`GET /wc/v3/webhooks/<id>` (the secret is never shown)."""
    zone = store.settings.zone
    resource, event = resource_and_event(webhook["topic"])
    hooks = [event] if resource == "action" else TOPIC_HOOKS.get(webhook["topic"], [])
    return {
        "id": webhook["id"],
        "name": webhook["name"],
        "status": webhook["status"],
        "topic": webhook["topic"],
        "resource": resource,
        "event": event,
        "hooks": list(hooks),
        "delivery_url": webhook["delivery_url"],
        "date_created": local_string(webhook["date_created"], zone),
        "date_created_gmt": gmt_string(webhook["date_created"]),
        "date_modified": local_string(webhook["date_modified"], zone),
        "date_modified_gmt": gmt_string(webhook["date_modified"]),
        "_links": records.links(store.home_url, "webhooks", webhook["id"]),
    }


def control_view(store: Store, webhook: Record) -> Record:
    """What the control API shows: the REST body plus the secret and delivery state."""
    return {
        **webhook_view(store, webhook),
        "secret": webhook["secret"],
        "api_version": webhook["api_version"],
        "failure_count": webhook["failure_count"],
        "pending_delivery": webhook["pending_delivery"],
        "user_id": webhook["user_id"],
    }
