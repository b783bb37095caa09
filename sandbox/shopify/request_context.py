"""Flask-side plumbing shared by the blueprints: the sandbox, the request's shop, JSON errors,
and the per-shop request log the benchmarks count API calls with."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Response, current_app, jsonify, request

from sandbox.shopify.routing import requested_shop_domain

if TYPE_CHECKING:
    from sandbox.shopify.state import Sandbox, Shop

MAX_LOGGED_REQUESTS = 5000


def current_sandbox() -> Sandbox:
    """The Sandbox of the running app."""
    sandbox: Sandbox = current_app.extensions["shopify_sandbox"]
    return sandbox


def json_error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    """{"error": message, ...} with `status`."""
    return jsonify({"error": message, **extra}), status


def shop_for_request(sandbox: Sandbox) -> Shop | None:
    """The shop named by the /shops/<domain> prefix, Host or X-Shopify-Shop-Domain."""
    domain = requested_shop_domain()
    return sandbox.shop(domain) if domain else None


def record_request(
    shop: Shop, kind: str, status: int, operations: list[str], **details: Any
) -> None:
    """Append to the shop's request log and count each operation (caller holds the lock).

    `operations` are labels like "query customers", "mutation discountRedeemCodeBulkAdd" or
    "oauth refresh_token"; one request can count several (one per root field)."""
    shop.requests.append(
        {
            "at": current_sandbox().now(),
            "kind": kind,
            "method": request.method,
            "path": request.path,
            "status": status,
            "operations": operations,
            **details,
        }
    )
    del shop.requests[:-MAX_LOGGED_REQUESTS]
    for operation in operations:
        shop.operation_counts[operation] += 1
