"""GET /admin/oauth/authorize and POST /admin/oauth/access_token (research §1).

authorize: the merchant approves at once; the shop gets the app installed with the requested
scopes and the browser is redirected to `redirect_uri?code&hmac&host&shop&state&timestamp`
(hex HMAC of the other parameters, §1.1). `grant_options[]=per-user` asks for an online token.

access_token accepts JSON or form bodies with `client_id` + `client_secret` and one of:
- `code` (+ `expiring=1`): the authorization-code grant;
- `grant_type=urn:ietf:params:oauth:grant-type:token-exchange`, `subject_token` (an ID token),
  `subject_token_type=urn:ietf:params:oauth:token-type:id_token`, `requested_token_type=
  urn:shopify:params:oauth:token-type:offline-access-token|online-access-token`, `expiring`;
- `grant_type=refresh_token`, `refresh_token`.
Errors are HTTP 400 `{"error", "error_description"}` with the OAuth codes `shopifyapp` reads:
invalid_client, invalid_subject_token, invalid_grant, invalid_request, unsupported_grant_type.
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlencode

import jwt
from flask import Blueprint, Response, jsonify, redirect, request

from sandbox.shopify import changes
from sandbox.shopify.request_context import current_sandbox, record_request, shop_for_request
from sandbox.shopify.signing import ID_TOKEN_TYPE, admin_host_param, decode_id_token, query_hmac

blueprint = Blueprint("shopify_oauth", __name__)
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 - a grant-type URN
TOKEN_TYPES = {
    "urn:shopify:params:oauth:token-type:offline-access-token": "offline",
    "urn:shopify:params:oauth:token-type:online-access-token": "online",
}


class OAuthError(Exception):
    """An OAuth error response."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


def _text_error(status: int, message: str) -> tuple[str, int]:
    return f"Oauth error {message}", status


@blueprint.get("/admin/oauth/authorize")
def authorize() -> Any:
    """Approve the app for the routed shop and redirect back with a code."""
    sandbox = current_sandbox()
    config = sandbox.config
    with sandbox.lock:
        shop = shop_for_request(sandbox)
        if shop is None:
            return _text_error(404, "invalid_request: unknown shop")
        if request.args.get("client_id") != config.api_key:
            return _text_error(400, "invalid_request: The client_id is not valid")
        redirect_uri = request.args.get("redirect_uri", "")
        if not redirect_uri.startswith(config.app_origin + "/"):
            return _text_error(400, "invalid_request: The redirect_uri is not whitelisted")
        per_user = "per-user" in request.args.getlist("grant_options[]")
        changes.install(sandbox, shop, request.args.get("scope") or None)
        params = {
            "code": sandbox.tokens.issue_code(shop.domain, "online" if per_user else "offline"),
            "host": admin_host_param(shop.handle),
            "shop": shop.domain,
            "timestamp": str(int(sandbox.now())),
        }
        if "state" in request.args:
            params["state"] = request.args["state"]
        params["hmac"] = query_hmac(params, config.api_secret)
        record_request(shop, "oauth", 302, ["oauth authorize"])
    separator = "&" if "?" in redirect_uri else "?"
    return redirect(redirect_uri + separator + urlencode(params), code=302)


def _form() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if isinstance(body, dict):
        return body
    return request.form.to_dict()


def _expiring(value: Any) -> bool:
    return str(value).lower() in ("1", "true")


def _check_client(form: dict[str, Any]) -> None:
    config = current_sandbox().config
    same_id = hmac.compare_digest(str(form.get("client_id", "")), config.api_key)
    same_secret = hmac.compare_digest(str(form.get("client_secret", "")), config.api_secret)
    if not (same_id and same_secret):
        raise OAuthError("invalid_client", "Client authentication failed: unknown client or secret")


def _offline_allowed(mode: str, expiring: bool) -> None:
    if (
        mode == "offline"
        and not expiring
        and not current_sandbox().config.allow_non_expiring_tokens
    ):
        raise OAuthError("invalid_request", "Public apps must request expiring offline tokens")


def _authorization_code(shop_domain: str, form: dict[str, Any]) -> dict[str, Any]:
    sandbox = current_sandbox()
    grant = sandbox.tokens.redeem_code(shop_domain, str(form.get("code", "")))
    if grant is None:
        raise OAuthError(
            "invalid_request", "The authorization code was not found or was already used"
        )
    expiring = _expiring(form.get("expiring", 0))
    _offline_allowed(grant.mode, expiring)
    return sandbox.tokens.issue(shop_domain, grant.mode, expiring)


def _token_exchange(shop_domain: str, form: dict[str, Any]) -> dict[str, Any]:
    sandbox = current_sandbox()
    config = sandbox.config
    if form.get("subject_token_type") != ID_TOKEN_TYPE:
        raise OAuthError("invalid_request", f"subject_token_type must be {ID_TOKEN_TYPE}")
    mode = TOKEN_TYPES.get(str(form.get("requested_token_type", "")))
    if mode is None:
        raise OAuthError(
            "invalid_request", "requested_token_type is not a Shopify access token type"
        )
    try:
        claims = decode_id_token(
            str(form.get("subject_token", "")), config.api_key, config.api_secret, sandbox.now()
        )
    except jwt.PyJWTError as exc:
        raise OAuthError("invalid_subject_token", f"The ID token is invalid: {exc}") from None
    if claims["dest"] != f"https://{shop_domain}":
        raise OAuthError("invalid_subject_token", "The ID token was issued for another shop")
    expiring = _expiring(form.get("expiring", 0))
    _offline_allowed(mode, expiring)
    return sandbox.tokens.issue(shop_domain, mode, expiring, user_id=int(claims["sub"]))


def _refresh(shop_domain: str, form: dict[str, Any]) -> dict[str, Any]:
    body = current_sandbox().tokens.rotate(shop_domain, str(form.get("refresh_token", "")))
    if body is None:
        raise OAuthError(
            "invalid_grant", "The refresh token is invalid, expired, or has been revoked"
        )
    return body


def _grant(shop_domain: str, form: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    grant_type = form.get("grant_type")
    if grant_type is None and "code" in form:
        return "authorization_code", _authorization_code(shop_domain, form)
    if grant_type == TOKEN_EXCHANGE:
        return "token_exchange", _token_exchange(shop_domain, form)
    if grant_type == "refresh_token":
        return "refresh_token", _refresh(shop_domain, form)
    if grant_type == "client_credentials":
        raise OAuthError("unauthorized_client", "client_credentials is for the store's own apps")
    raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")


@blueprint.post("/admin/oauth/access_token")
def access_token() -> tuple[Response, int]:
    """The token endpoint of the routed shop."""
    sandbox = current_sandbox()
    form = _form()
    with sandbox.lock:
        shop = shop_for_request(sandbox)
        if shop is None:
            return jsonify({"error": "invalid_request", "error_description": "Unknown shop"}), 404
        label = "oauth " + str(form.get("grant_type") or "authorization_code").rsplit(":", 1)[-1]
        try:
            _check_client(form)
            if not shop.installed:
                raise OAuthError("invalid_client", "The app is not installed on this shop")
            _kind, body = _grant(shop.domain, form)
        except OAuthError as error:
            record_request(shop, "oauth", 400, [label], error=error.error)
            return jsonify({"error": error.error, "error_description": error.description}), 400
        record_request(shop, "oauth", 200, [label])
        return jsonify(body), 200
