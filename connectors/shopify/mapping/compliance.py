"""The mandatory compliance webhooks (customers/data_request, customers/redact, shop/redact).

Payloads: https://shopify.dev/docs/apps/build/privacy-law-compliance (samples in
fixtures/shopify/webhooks/). They name the shopper by id and email and list order ids.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.core.values import CustomerDataRequested, CustomerRedactRequested
from connectors.shopify.mapping.fields import Json, PayloadError, platform_id, text


def _order_ids(data: Json, key: str) -> tuple[str, ...]:
    return tuple(
        value for value in (platform_id(item) for item in data.get(key) or ()) if value is not None
    )


def _compliance_customer(data: Json) -> tuple[str | None, str | None]:
    customer = data.get("customer")
    if not isinstance(customer, Mapping):
        raise PayloadError("compliance payload has no 'customer'")
    return platform_id(customer.get("id")), text(customer.get("email"))


def data_request(data: Json) -> CustomerDataRequested:
    """customers/data_request: a shopper asked the merchant for their data."""
    customer_id, email = _compliance_customer(data)
    request = data.get("data_request")
    request_id = platform_id(request.get("id")) if isinstance(request, Mapping) else None
    return CustomerDataRequested(
        request_id=request_id or "",
        customer_platform_id=customer_id,
        email=email,
        order_platform_ids=_order_ids(data, "orders_requested"),
    )


def redact_request(data: Json) -> CustomerRedactRequested:
    """customers/redact: erase a shopper's personal data."""
    customer_id, email = _compliance_customer(data)
    return CustomerRedactRequested(
        customer_platform_id=customer_id,
        email=email,
        order_platform_ids=_order_ids(data, "orders_to_redact"),
    )
