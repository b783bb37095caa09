"""Control API for tests, the demo and the shopper simulator (not part of Shopify's API).

Shops, app installation, "opening the app" as the admin does, tokens, fault switches, webhook
switches, and what the app did. The full list is in sandbox/shopify/README.md.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, jsonify, redirect, request

from sandbox.shopify import changes
from sandbox.shopify.config import COMPLIANCE_TOPICS
from sandbox.shopify.control_support import guarded, json_body, shop_route
from sandbox.shopify.records import InputError, count, text
from sandbox.shopify.request_context import current_sandbox, json_error
from sandbox.shopify.signing import admin_host_param, issue_id_token, query_hmac
from sandbox.shopify.state import Sandbox, Shop, normalize_shop_domain
from sandbox.shopify.timestamps import is_timezone

HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

blueprint = Blueprint("shopify_sandbox_control", __name__, url_prefix="/sandbox")
SHOP = "/shops/<shop_name>"


@blueprint.get("/health")
def health() -> Any:
    """Liveness of the sandbox."""
    return jsonify({"ok": True, "shops": len(current_sandbox().shops)})


@blueprint.get("/settings")
def get_settings() -> Any:
    """The app configuration and the tunable settings."""
    config = current_sandbox().config
    public = {k: v for k, v in vars(config).items() if k not in ("api_secret", "clock")}
    public["app_subscriptions"] = [
        {"topics": list(s.topics), "uri": s.uri} for s in config.subscriptions()
    ]
    return jsonify(public)


@blueprint.post("/settings")
@guarded
def update_settings() -> Any:
    """Change tunable settings (token TTLs, bucket, retry delays, ...)."""
    current_sandbox().update_settings(json_body())
    return get_settings()


def _new_shop_fields(body: dict[str, Any]) -> dict[str, str]:
    domain = normalize_shop_domain(str(body.get("domain") or body.get("name") or ""))
    if domain is None:
        raise InputError("domain must look like my-shop.myshopify.com")
    timezone = text(body, "timezone") or "UTC"
    if not is_timezone(timezone):
        raise InputError(f"timezone {timezone!r} is not an IANA time zone")
    currency = (text(body, "currency") or "USD").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InputError("currency must be an ISO 4217 code like USD")
    handle = domain.removesuffix(".myshopify.com")
    return {
        "domain": domain,
        "name": text(body, "name") or handle.replace("-", " ").title(),
        "email": text(body, "email") or f"owner@{handle}.example",
        "timezone": timezone,
        "currency": currency,
    }


def _primary_domain(body: dict[str, Any]) -> str | None:
    """The shop's own domain (its primary domain instead of <shop>.myshopify.com), if any."""
    value = text(body, "primary_domain")
    if value is None:
        return None
    host = value.strip().lower()
    if not HOSTNAME.match(host) or host.endswith(".myshopify.com"):
        raise InputError("primary_domain must be a host name like shop.example.com")
    return host


@blueprint.post("/shops")
@guarded
def create_shop() -> Any:
    """Create a shop; `"installed": true` also installs the app (managed install)."""
    sandbox = current_sandbox()
    body = json_body()
    fields = _new_shop_fields(body)
    primary_domain = _primary_domain(body)
    with sandbox.lock:
        if sandbox.shop(fields["domain"]) is not None:
            return json_error(409, f"shop {fields['domain']} already exists")
        shop = sandbox.create_shop(**fields)
        shop.primary_domain = primary_domain
        if body.get("installed"):
            changes.install(sandbox, shop, text(body, "scopes"))
        return jsonify(shop.summary()), 201


@blueprint.get("/shops")
def list_shops() -> Any:
    """Every shop."""
    sandbox = current_sandbox()
    with sandbox.lock:
        return jsonify([shop.summary() for shop in sandbox.shops.values()])


@blueprint.get(SHOP)
@shop_route
def get_shop(_sandbox: Sandbox, shop: Shop) -> Any:
    """One shop."""
    return jsonify(shop.summary())


@blueprint.post(SHOP + "/install")
@shop_route
def install(sandbox: Sandbox, shop: Shop) -> Any:
    """Shopify-managed install: no call to the app; it gets a token by token exchange."""
    changes.install(sandbox, shop, text(json_body(), "scopes"))
    return jsonify(shop.summary() | {"open_app_url": _open_app_url(sandbox, shop, 1)[0]})


@blueprint.post(SHOP + "/uninstall")
@shop_route
def uninstall(sandbox: Sandbox, shop: Shop) -> Any:
    """app/uninstalled webhook, then every token revoked and API subscriptions removed."""
    revoked = changes.uninstall(sandbox, shop)
    return jsonify(shop.summary() | {"revoked_tokens": revoked})


def _open_app_url(sandbox: Sandbox, shop: Shop, user_id: int) -> tuple[str, str, dict[str, Any]]:
    config = sandbox.config
    token, claims = issue_id_token(
        shop.domain, config.api_key, config.api_secret, user_id, sandbox.now(), config.id_token_ttl
    )
    params = {
        "embedded": "1",
        "host": admin_host_param(shop.handle),
        "id_token": token,
        "locale": "en",
        "session": claims["sid"],
        "shop": shop.domain,
        "timestamp": str(int(sandbox.now())),
    }
    params["hmac"] = query_hmac(params, config.api_secret)
    return f"{config.app_home_url}?{urlencode(params)}", token, claims


def _user_id() -> int:
    value = request.args.get("user_id") or json_body().get("user_id") or 1
    return count(int(value) if str(value).isdigit() else value, "user_id", 1)


@blueprint.get(SHOP + "/open-app")
@shop_route
def open_app(sandbox: Sandbox, shop: Shop) -> Any:
    """What the admin does when the merchant opens the app: load App Home with a fresh ID token.

    Redirects (302) to the App URL; `?format=json` returns {url, id_token, claims} instead."""
    if not shop.installed:
        return json_error(409, f"the app is not installed on {shop.domain}; POST .../install first")
    url, token, claims = _open_app_url(sandbox, shop, _user_id())
    if request.args.get("format") == "json":
        return jsonify({"url": url, "id_token": token, "claims": claims})
    return redirect(url, code=302)


@blueprint.post(SHOP + "/session-token")
@shop_route
def session_token(sandbox: Sandbox, shop: Shop) -> Any:
    """A fresh ID token as App Bridge adds it to fetches (`Authorization: Bearer <token>`)."""
    if not shop.installed:
        return json_error(409, f"the app is not installed on {shop.domain}")
    _url, token, claims = _open_app_url(sandbox, shop, _user_id())
    return jsonify({"id_token": token, "authorization": f"Bearer {token}", "claims": claims})


@blueprint.get(SHOP + "/tokens")
@shop_route
def tokens(sandbox: Sandbox, shop: Shop) -> Any:
    """The shop's access tokens and their state."""
    return jsonify(sandbox.tokens.describe(shop.domain))


@blueprint.post(SHOP + "/tokens/<action>")
@shop_route
def token_action(sandbox: Sandbox, shop: Shop, action: str) -> Any:
    """expire or revoke every token of the shop, or only `{"access_token": ...}`."""
    value = text(json_body(), "access_token")
    if action == "expire":
        return jsonify({"expired": sandbox.tokens.expire(shop.domain, value)})
    if action == "revoke":
        return jsonify({"revoked": sandbox.tokens.revoke(shop.domain, value)})
    return json_error(404, "action is expire or revoke")


@blueprint.post(SHOP + "/faults")
@shop_route
def faults(_sandbox: Sandbox, shop: Shop) -> Any:
    """`{"http_429": N, "retry_after": S}`: the next N Admin API calls answer 429."""
    body = json_body()
    shop.http_429_remaining = count(body.get("http_429", 0), "http_429")
    shop.retry_after_seconds = count(body.get("retry_after", 1), "retry_after")
    return jsonify({"http_429": shop.http_429_remaining, "retry_after": shop.retry_after_seconds})


@blueprint.post(SHOP + "/throttle")
@shop_route
def throttle(sandbox: Sandbox, shop: Shop) -> Any:
    """`{"currently_available": P}` sets the bucket level (to provoke THROTTLED)."""
    level = json_body().get("currently_available")
    if not isinstance(level, int | float) or isinstance(level, bool) or level < 0:
        raise InputError("currently_available must be a non-negative number")
    shop.bucket.level(sandbox.now())
    shop.bucket.available = min(float(level), shop.bucket.size)
    return jsonify(shop.bucket.status(sandbox.now()))


@blueprint.get(SHOP + "/requests")
@shop_route
def requests_log(_sandbox: Sandbox, shop: Shop) -> Any:
    """The Admin API and OAuth calls the app made, and counts per operation."""
    return jsonify(
        {
            "total": len(shop.requests),
            "counts": dict(shop.operation_counts),
            "requests": shop.requests,
        }
    )


@blueprint.delete(SHOP + "/requests")
@shop_route
def reset_requests(_sandbox: Sandbox, shop: Shop) -> Any:
    """Forget the request log and counts."""
    shop.requests.clear()
    shop.operation_counts.clear()
    return jsonify({"total": 0})


@blueprint.post(SHOP + "/compliance/<path:topic>")
@shop_route
def compliance(sandbox: Sandbox, shop: Shop, topic: str) -> Any:
    """Send customers/data_request, customers/redact (`{"customer_id"}`) or shop/redact."""
    if topic not in COMPLIANCE_TOPICS:
        return json_error(404, f"compliance topic is one of {', '.join(COMPLIANCE_TOPICS)}")
    customer_id = json_body().get("customer_id")
    event_id = changes.send_compliance(sandbox, shop, topic, customer_id)
    return jsonify({"topic": topic, "event_id": event_id})


@blueprint.get(SHOP + "/app-activity")
@shop_route
def app_activity(sandbox: Sandbox, shop: Shop) -> Any:
    """What the app did: discounts and codes, consent updates, webhook subscriptions, its pixel."""
    discounts = [
        {
            "id": discount["id"],
            "admin_graphql_api_id": f"gid://shopify/DiscountCodeNode/{discount['id']}",
            "kind": discount["kind"],
            "title": discount["title"],
            "value": discount.get("value"),
            "destination": discount.get("destination"),
            "applies_once_per_customer": discount["applies_once_per_customer"],
            "usage_limit": discount["usage_limit"],
            "starts_at": discount["starts_at"],
            "ends_at": discount["ends_at"],
            "codes": [
                {
                    "code": shop.redeem_codes[k]["code"],
                    "usage_count": shop.redeem_codes[k]["usage_count"],
                }
                for k in discount["code_keys"]
                if k in shop.redeem_codes
            ],
        }
        for discount in shop.discounts.values()
    ]
    return jsonify(
        {
            "discounts": discounts,
            "bulk_creations": [
                {"id": c["id"], "done": c["done"], "codes": len(c["entries"])}
                for c in shop.bulk_creations.values()
            ],
            "consent_updates": shop.consent_updates,
            "webhook_subscriptions": list(shop.subscriptions.values()),
            "web_pixel": _pixel_activity(shop.web_pixel),
        }
    )


def _pixel_activity(pixel: dict[str, Any] | None) -> dict[str, Any] | None:
    if pixel is None:
        return None
    return {
        "id": pixel["id"],
        "admin_graphql_api_id": f"gid://shopify/WebPixel/{pixel['id']}",
        "settings": json.loads(pixel["settings"]),
        "created_at": pixel["created_at"],
        "updated_at": pixel["updated_at"],
    }


@blueprint.get("/webhooks/deliveries")
def deliveries() -> Any:
    """Every delivery attempt (`?shop=`, `?topic=` filter)."""
    log = current_sandbox().webhooks.log
    wanted_shop = (
        normalize_shop_domain(request.args.get("shop", "")) if request.args.get("shop") else None
    )
    wanted_topic = request.args.get("topic")
    rows = [
        row
        for row in list(log)
        if (wanted_shop is None or row["shop"] == wanted_shop)
        and (wanted_topic is None or row["topic"] == wanted_topic)
    ]
    return jsonify(rows)


@blueprint.post("/webhooks/switches")
@guarded
def webhook_switches() -> Any:
    """`{"paused", "duplicate", "out_of_order"}` booleans for the delivery worker."""
    dispatcher = current_sandbox().webhooks
    body = json_body()
    for name in ("duplicate", "out_of_order", "paused"):
        if name in body:
            if not isinstance(body[name], bool):
                raise InputError(f"{name} must be true or false")
            setattr(dispatcher, name, body[name])
    if body.get("paused") is False:
        dispatcher.resume()
    return jsonify(
        {
            "paused": dispatcher.paused,
            "duplicate": dispatcher.duplicate,
            "out_of_order": dispatcher.out_of_order,
            "pending": dispatcher.pending(),
        }
    )


@blueprint.post("/webhooks/drain")
@guarded
def drain() -> Any:
    """Wait (`{"timeout": seconds}`, default 10) until no delivery is queued or in flight."""
    timeout = json_body().get("timeout", 10)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 <= timeout <= 120:
        raise InputError("timeout must be a number of seconds between 0 and 120")
    dispatcher = current_sandbox().webhooks
    drained = dispatcher.drain(float(timeout))
    return jsonify({"drained": drained, "pending": dispatcher.pending()})
