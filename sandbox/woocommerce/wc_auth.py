"""`/<store>/wc-auth/v1/authorize`: the merchant approves an app, WooCommerce creates REST keys
and POSTs them to the app.

Source: `includes/class-wc-auth.php`. Every parameter is required; `scope` is read, write or
read_write; both URLs must be valid (a URL without a scheme gets `https://`); the callback must
be https (only with the store's `require_ssl_callback` setting here, as everything runs on
loopback http). On approval the keys are created, then POSTed as JSON `{key_id, user_id,
consumer_key, consumer_secret, key_permissions}`; unless the callback answers exactly 200 the
keys are deleted and the merchant sees "Access denied" (401). Then the browser goes to
`return_url` with `success=1&user_id=<the app's user_id>`.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode, urlsplit

import httpx
from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.wrappers import Response as WebResponse

from sandbox.woocommerce import auth
from sandbox.woocommerce.config import WP_VERSION
from sandbox.woocommerce.dates import utc_now
from sandbox.woocommerce.payloads import php_json
from sandbox.woocommerce.state import Record, Store
from sandbox.woocommerce.wp_json import sandbox, store_for_request

blueprint = Blueprint("woo_wc_auth", __name__, template_folder="templates")
PARAMS = ("app_name", "user_id", "return_url", "callback_url", "scope")
SCOPE_PERMISSIONS = {
    "read": ["View coupons", "View customers", "View orders and sales reports", "View products"],
    "write": [
        "Create webhooks",
        "Create coupons",
        "Create customers",
        "Create orders",
        "Create products",
    ],
    "read_write": [
        "Create webhooks",
        "View and manage coupons",
        "View and manage customers",
        "View and manage orders and sales reports",
        "View and manage products",
    ],
}


class AuthDenied(Exception):
    """Shown to the merchant as `Error: <message>.` with HTTP 401, as `wp_die` does."""


def formatted_url(url: str) -> str:
    """`WC_Auth::get_formatted_url`: add `https://` when the URL has no scheme."""
    return url if "://" in url else f"https://{url}"


def validated(store: Store) -> dict[str, str]:
    """`WC_Auth::make_validation`."""
    data = {}
    for name in PARAMS:
        value = request.args.get(name, "")
        if not value:
            raise AuthDenied(f"Missing parameter {name}")
        data[name] = value
    if data["scope"] not in SCOPE_PERMISSIONS:
        raise AuthDenied(f"Invalid scope {data['scope']}")
    for name in ("return_url", "callback_url"):
        url = formatted_url(data[name])
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AuthDenied(f"The {url} is not a valid URL")
    if store.settings.require_ssl_callback and not formatted_url(
        data["callback_url"]
    ).lower().startswith("https://"):
        raise AuthDenied("The callback_url needs to be over SSL")
    return data


def _nonce(store: Store, data: dict[str, str]) -> str:
    text = "wc_auth_grant_access|" + "|".join(data[name] for name in PARAMS)
    return hmac.new(store.secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:10]


def _with_query(url: str, values: dict[str, str]) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode(values)}"


def _denied(message: str) -> WebResponse:
    return Response(render_template("woo/auth_error.html", message=message), status=401)


@blueprint.get("/<slug>/wc-auth/v1/authorize")
def authorize(slug: str) -> WebResponse:
    """The approval page (or, with `auto_approve`, the grant itself)."""
    box = sandbox()
    try:
        with box.lock:
            store = store_for_request(slug)
            data = validated(store)
            auto = store.settings.auto_approve
            nonce = _nonce(store, data)
    except AuthDenied as denied:
        return _denied(str(denied))
    if auto:
        return grant(store, data)
    approve = _with_query(
        f"{store.home_url}/wc-auth/v1/access_granted", {**data, "wc_auth_nonce": nonce}
    )
    deny = _with_query(
        formatted_url(data["return_url"]), {"success": "0", "user_id": data["user_id"]}
    )
    page = render_template(
        "woo/authorize.html",
        store=store,
        data=data,
        permissions=SCOPE_PERMISSIONS[data["scope"]],
        approve_url=approve,
        deny_url=deny,
    )
    return Response(page)


@blueprint.get("/<slug>/wc-auth/v1/access_granted")
def access_granted(slug: str) -> WebResponse:
    """The merchant clicked Approve."""
    box = sandbox()
    try:
        with box.lock:
            store = store_for_request(slug)
            data = validated(store)
            if not hmac.compare_digest(request.args.get("wc_auth_nonce", ""), _nonce(store, data)):
                raise AuthDenied("Invalid nonce verification")
    except AuthDenied as denied:
        return _denied(str(denied))
    return grant(store, data)


def grant(store: Store, data: dict[str, str]) -> WebResponse:
    """Create the keys, POST them to the app, keep them only if it answered 200, redirect."""
    box = sandbox()
    with box.lock:
        stamp = utc_now().astimezone(store.settings.zone).strftime("%Y-%m-%d %H:%M:%S")
        key = auth.create_key(store, data["scope"], f"{data['app_name'][:170]} - API ({stamp})")
    delivered = post_consumer_data(store, key, data, box.config.delivery_timeout)
    if not delivered:
        with box.lock:
            store.api_keys.pop(key["key_id"], None)
        return _denied(
            "An error occurred in the request and at the time were unable to send the consumer data"
        )
    return redirect(
        _with_query(
            formatted_url(data["return_url"]), {"success": "1", "user_id": data["user_id"]}
        ),
        302,
    )


def post_consumer_data(store: Store, key: Record, data: dict[str, str], timeout: float) -> bool:
    """`WC_Auth::post_consumer_data`: True only for an HTTP 200."""
    body = {
        "key_id": key["key_id"],
        "user_id": data["user_id"],
        "consumer_key": key["consumer_key"],
        "consumer_secret": key["consumer_secret"],
        "key_permissions": key["permissions"],
    }
    headers = {
        "Content-Type": "application/json;charset=UTF-8",
        "User-Agent": f"WordPress/{WP_VERSION}; {store.home_url}",
    }
    try:
        response = httpx.post(
            formatted_url(data["callback_url"]),
            content=php_json(body),
            headers=headers,
            timeout=timeout,
            follow_redirects=False,
        )
    except httpx.HTTPError:
        return False
    return response.status_code == 200
