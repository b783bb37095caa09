"""One shop's GraphQL Admin API: tokens, pacing, and Shopify's failures as connector errors.

Requests go through `shopifyapp.admin_graphql_request` with its own retries off, because
retrying is decided here: a 401 refreshes the token once (a second 401 means the shop revoked
us: `AuthRevoked`, shop disconnected); THROTTLED or 429 waits briefly and retries, and raises
`RateLimited(retry_after)` when the wait is long or retries run out; 5xx and timeouts are
`Transient`; any other GraphQL error is `Permanent` with Shopify's message kept.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from shopify_app import GQLResult, ShopifyApp

from app.core.ports import AuthRevoked, ConnectorError, Permanent, RateLimited, Transient
from connectors.shopify.throttle import CostPacer, Sleep
from connectors.shopify.tokens import TokenManager

log = logging.getLogger(__name__)

#: Throttled waits up to this long happen in-process; longer ones go back to the job queue.
MAX_INLINE_WAIT = 20.0
MAX_THROTTLE_RETRIES = 5
_SERVER_ERROR_CODES = frozenset(("INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"))


def _retry_after(result: GQLResult) -> float:
    # With max_retries=0 shopifyapp returns its own 429 body; the real headers are in the log.
    for entry in reversed(result.http_logs):
        value = {key.lower(): val for key, val in entry.res.headers.items()}.get("retry-after")
        if value:
            try:
                return max(0.0, float(value))
            except ValueError:
                break
    return 1.0


def _graphql_errors(result: GQLResult) -> tuple[list[Mapping[str, Any]], Mapping[str, Any]]:
    try:
        body = json.loads(result.response.body or "{}")
    except ValueError:
        return [], {}
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if isinstance(errors, str):  # e.g. {"errors": "[API] Invalid API key or access token"}
        errors = [{"message": errors}]
    extensions = body.get("extensions") if isinstance(body, Mapping) else None
    return (
        [error for error in errors or () if isinstance(error, Mapping)],
        extensions if isinstance(extensions, Mapping) else {},
    )


def _error_code(error: Mapping[str, Any]) -> str:
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, Mapping) else None
    return str(code or "")


class AdminApi:
    """Executes documents for one shop, pinned to one API version."""

    def __init__(
        self,
        app: ShopifyApp,
        shop_domain: str,
        api_version: str,
        tokens: TokenManager,
        http_client: httpx.Client,
        *,
        pacer: CostPacer | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.shop_domain = shop_domain
        self.api_version = api_version
        self.tokens = tokens
        self.pacer = pacer or CostPacer(sleep=sleep)
        self._app = app
        self._http = http_client
        self.calls = 0

    def execute(self, document: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run a query or mutation and return its `data`, or raise a ConnectorError."""
        operation = _operation_name(document)
        for attempt in range(MAX_THROTTLE_RETRIES + 1):
            try:
                self._pace(operation)
                return self._execute_once(operation, document, variables)
            except RateLimited as error:
                if error.retry_after > MAX_INLINE_WAIT or attempt == MAX_THROTTLE_RETRIES:
                    raise
                log.info("%s throttled; waiting %.1fs", operation, error.retry_after)
                self.pacer.wait(error.retry_after)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _pace(self, operation: str) -> None:
        delay = self.pacer.delay_before(operation)
        if delay > MAX_INLINE_WAIT:
            # A long wait belongs to the job queue, not to a sleeping worker.
            raise RateLimited(f"{operation} on {self.shop_domain}: bucket empty", retry_after=delay)
        self.pacer.wait(delay)

    def _execute_once(
        self, operation: str, document: str, variables: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        token = self.tokens.access_token()
        result = self._post(document, token, variables)
        if result.log.code == "unauthorized":
            result = self._post(document, self.tokens.refresh(stale=token), variables)
            if result.log.code == "unauthorized":
                reason = f"Shopify refused a freshly refreshed token for {self.shop_domain}"
                self.tokens.revoke(reason)
                raise AuthRevoked(reason)
        if result.ok:
            self.pacer.observe(operation, result.extensions)
            return dict(result.data or {})
        raise self._failure(operation, result)

    def _post(self, document: str, token: str, variables: Mapping[str, Any] | None) -> GQLResult:
        self.calls += 1
        return self._app.admin_graphql_request(
            document,
            shop=self.shop_domain.removesuffix(".myshopify.com"),
            access_token=token,
            api_version=self.api_version,
            variables=dict(variables) if variables else None,
            max_retries=0,
            http_client=self._http,
        )

    def _failure(self, operation: str, result: GQLResult) -> ConnectorError:
        code, status = result.log.code, result.response.status
        where = f"{operation} on {self.shop_domain}"
        if code == "graphql_errors":
            return self._graphql_failure(operation, where, result)
        if code == "rate_limited" or status == 429:
            return RateLimited(f"{where}: HTTP 429", retry_after=_retry_after(result))
        if code == "network_error":
            return Transient(f"{where}: network error or timeout")
        if status >= 500:
            return Transient(f"{where}: HTTP {status}")
        if status in (402, 423):
            # 402: the shop is frozen (unpaid); 423: locked. Nothing to do until it changes.
            return Permanent(f"{where}: shop unavailable (HTTP {status})")
        return Permanent(
            f"{where}: HTTP {status} ({result.log.detail})", detail=result.response.body
        )

    def _graphql_failure(self, operation: str, where: str, result: GQLResult) -> ConnectorError:
        errors, extensions = _graphql_errors(result)
        codes = {_error_code(error) for error in errors}
        message = "; ".join(str(error.get("message", "")) for error in errors) or "GraphQL error"
        if "THROTTLED" in codes:
            self.pacer.observe(operation, extensions)
            wait = self.pacer.wait_after_throttle(extensions)
            return RateLimited(f"{where}: throttled", retry_after=wait, detail=dict(extensions))
        if codes & _SERVER_ERROR_CODES:
            return Transient(f"{where}: {message}", detail=errors)
        return Permanent(f"{where}: {message}", detail=errors)


def _operation_name(document: str) -> str:
    words = document.split("(", 1)[0].split("{", 1)[0].split()
    return words[1] if len(words) > 1 else "anonymous"


def user_errors(payload: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The `userErrors` of a mutation payload."""
    errors: Sequence[Any] = (payload or {}).get("userErrors") or ()
    return [error for error in errors if isinstance(error, Mapping)]


def user_errors_failure(errors: Sequence[Mapping[str, Any]], action: str) -> Permanent:
    """`userErrors` as a Permanent error, with Shopify's messages kept."""
    messages = "; ".join(
        f"{'.'.join(map(str, error.get('field') or ())) or '-'}: {error.get('message')}"
        for error in errors
    )
    return Permanent(f"{action} refused by Shopify: {messages}", detail=list(errors))


def raise_user_errors(payload: Mapping[str, Any] | None, action: str) -> None:
    """Raise Permanent when a mutation payload reports `userErrors`."""
    errors = user_errors(payload)
    if errors:
        raise user_errors_failure(errors, action)
