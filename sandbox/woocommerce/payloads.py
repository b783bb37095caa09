"""Bodies as WordPress encodes them, and the REST representation of any resource by ID."""

from __future__ import annotations

import json
from typing import Any

from sandbox.woocommerce.coupons import coupon_view
from sandbox.woocommerce.customers import customer_view
from sandbox.woocommerce.errors import invalid_id
from sandbox.woocommerce.order_views import order_view
from sandbox.woocommerce.product_views import product_view
from sandbox.woocommerce.state import Store


def php_json(value: Any, pretty: bool = False) -> bytes:
    """`wp_json_encode`: PHP's `json_encode` escapes `/` and non-ASCII characters."""
    if pretty:
        text = json.dumps(value, ensure_ascii=True, indent=4)
    else:
        text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode()


def rest_body(store: Store, resource: str, resource_id: int) -> dict[str, Any]:
    """What `GET /wc/v3/<resource>s/<id>` answers (the error body for an unknown ID), as
    `RestApiUtil::get_endpoint_data` builds a webhook payload."""
    table, view, post_type = {
        "order": (store.orders, order_view, "shop_order"),
        "product": (store.products, product_view, "product"),
        "coupon": (store.coupons, coupon_view, "shop_coupon"),
        "customer": (store.customers, customer_view, "customer"),
    }[resource]
    record = table.get(resource_id)
    if record is None:
        return invalid_id(post_type).body()
    return view(store, record)
