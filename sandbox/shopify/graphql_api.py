"""POST /admin/api/<version>/graphql.json: authentication, fault switches, then execution.

- 404 for an unknown shop or a malformed version;
- 429 with `Retry-After` while the shop's `http_429_remaining` switch is on (control API);
- 401 `{"errors": "[API] Invalid API key or access token (unrecognized login or wrong
  password)"}` for a missing, unknown, expired or revoked `X-Shopify-Access-Token`;
- 400 when the body is not a GraphQL request (JSON with `query`, or application/graphql);
- otherwise 200 with the GraphQL response (execution.py).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.shopify import execution
from sandbox.shopify.request_context import current_sandbox, record_request, shop_for_request
from sandbox.shopify.resolvers.redeem_codes import settle

blueprint = Blueprint("shopify_admin_graphql", __name__)
VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
# An error message, not a secret.
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105, E501


def _request_body() -> tuple[str, dict[str, Any] | None, str | None] | None:
    if request.mimetype == "application/graphql":
        return request.get_data(as_text=True), None, None
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return None
    variables = body.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return None
    name = body.get("operationName")
    return body["query"], variables, name if isinstance(name, str) else None


@blueprint.post("/admin/api/<version>/graphql.json")
def graphql(version: str) -> tuple[Response, int]:
    """Run one Admin API GraphQL request for the routed shop."""
    sandbox = current_sandbox()
    with sandbox.lock:
        shop = shop_for_request(sandbox)
        if shop is None or not VERSION.match(version):
            return jsonify({"errors": "Not Found"}), 404
        if shop.http_429_remaining > 0:
            shop.http_429_remaining -= 1
            record_request(shop, "graphql", 429, ["http 429"])
            response = jsonify({"errors": "Too Many Requests"})
            response.headers["Retry-After"] = str(shop.retry_after_seconds)
            return response, 429
        token = request.headers.get("X-Shopify-Access-Token", "")
        if sandbox.tokens.authenticate(shop.domain, token) is None:
            record_request(shop, "graphql", 401, ["http 401"])
            return jsonify({"errors": INVALID_TOKEN}), 401
        parsed = _request_body()
        if parsed is None:
            record_request(shop, "graphql", 400, ["http 400"])
            return jsonify({"errors": {"query": "Required parameter missing or invalid"}}), 400
        settle(sandbox, shop, version)
        outcome = execution.run(sandbox, shop, version, *parsed)
        labels = [f"{outcome.operation} {name}" for name in outcome.root_fields] or ["invalid"]
        if outcome.throttled:
            labels = ["throttled"]
        record_request(
            shop,
            "graphql",
            200,
            labels,
            operation_name=outcome.name,
            requested_cost=outcome.requested_cost,
            actual_cost=outcome.actual_cost,
            throttled=outcome.throttled,
            errors=bool(outcome.payload.get("errors")),
        )
        response = jsonify(outcome.payload)
        response.headers["X-Shopify-API-Version"] = sandbox.config.api_version
        return response, 200
