"""The WooCommerce REST v3 client: the `woocommerce` package, wrapped.

`woocommerce.API` (3.0.0) returns raw `requests.Response`s with a 5 s default timeout, no retries,
no 429 handling and no pagination helper (research/woocommerce.md §5). `WooClient` adds:

- an explicit timeout on every call;
- a few quick in-process retries for 429, 5xx and dropped connections, then the ConnectorError
  tree so the job runner retries later (RateLimited carries the platform's `Retry-After`);
- error bodies `{code, message, data.status}` parsed into the error's `detail`;
- pagination by `X-WP-TotalPages` (per_page ≤ 100, WP core's limit).

A POST is retried in-process only when the store cannot have acted on it (connect failures, 429,
502-504): a read timeout on a POST may have created the resource, so it becomes `Transient` and
the caller's idempotent retry (coupons: duplicate-code check; webhooks: list before create) runs.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from woocommerce import API

from app.core.ports import (
    AuthRevoked,
    ConnectorError,
    NotFound,
    Permanent,
    RateLimited,
    Transient,
)

log = logging.getLogger(__name__)

USER_AGENT = "Nudge/0.1 (WooCommerce connector)"
#: WP core rejects per_page above 100 with 400 rest_invalid_param (woocommerce/woocommerce#21052).
MAX_PER_PAGE = 100
#: Waits longer than this are not slept in-process: the job is rescheduled instead.
MAX_INLINE_WAIT = 2.0
_RETRYABLE_POST_STATUSES = frozenset({429, 502, 503, 504})
_AUTH_STATUSES = frozenset({401, 403})


@dataclass(frozen=True)
class WooPage:
    """One page of a collection and how many pages the store says there are."""

    items: list[dict[str, Any]]
    page: int
    total_pages: int

    @property
    def next_page(self) -> int | None:
        """The next page number, or None when this was the last."""
        return self.page + 1 if self.page < self.total_pages and self.items else None


class WooClient:
    """Calls one store's `wc/v3` API with timeouts, retries and mapped errors."""

    def __init__(
        self,
        store_url: str,
        consumer_key: str,
        consumer_secret: str,
        *,
        timeout: float = 20.0,
        attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store_url = store_url.rstrip("/")
        self._api = API(
            url=self.store_url,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            version="wc/v3",
            timeout=timeout,
            user_agent=USER_AGENT,
        )
        self.timeout = timeout
        self._attempts = max(1, attempts)
        self._sleep = sleep

    def get(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET and return the decoded JSON body."""
        return _json(self.request("GET", endpoint, params=params), endpoint)

    def post(self, endpoint: str, body: Any, params: Mapping[str, Any] | None = None) -> Any:
        """POST a JSON body and return the decoded JSON answer."""
        return _json(self.request("POST", endpoint, body=body, params=params), endpoint)

    def put(self, endpoint: str, body: Any) -> Any:
        """PUT a JSON body and return the decoded JSON answer."""
        return _json(self.request("PUT", endpoint, body=body), endpoint)

    def delete(self, endpoint: str, params: Mapping[str, Any] | None = None) -> Any:
        """DELETE and return the decoded JSON answer."""
        return _json(self.request("DELETE", endpoint, params=params), endpoint)

    def page(self, endpoint: str, params: Mapping[str, Any] | None, page: int) -> WooPage:
        """One page of a collection (`per_page` defaults to the maximum, 100)."""
        query = {"per_page": MAX_PER_PAGE, **(params or {}), "page": page}
        response = self.request("GET", endpoint, params=query)
        items = _json(response, endpoint)
        if not isinstance(items, list):
            raise Permanent(f"{endpoint}: expected a list, got {type(items).__name__}")
        total_pages = _int_header(response, "X-WP-TotalPages", default=page)
        return WooPage(items=items, page=page, total_pages=total_pages)

    def iterate(
        self, endpoint: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a collection, page after page."""
        number: int | None = 1
        while number is not None:
            current = self.page(endpoint, params, number)
            yield from current.items
            number = current.next_page

    def get_site_index(self) -> Any:
        """The WordPress REST index `/wp-json/` (public: name, timezone), with the same retries."""
        url = f"{self.store_url}/wp-json/"

        def send() -> requests.Response:
            headers = {"user-agent": USER_AGENT, "accept": "application/json"}
            return requests.get(url, timeout=self.timeout, headers=headers)

        return _json(self._retrying("GET", "wp-json index", send), "wp-json index")

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
    ) -> requests.Response:
        """Send one call, retrying what is safe to retry; raise ConnectorError on failure."""
        return self._retrying(method, endpoint, lambda: self._send(method, endpoint, params, body))

    def _retrying(
        self, method: str, endpoint: str, send: Callable[[], requests.Response]
    ) -> requests.Response:
        last_error: ConnectorError | None = None
        for attempt in range(1, self._attempts + 1):
            try:
                response = send()
            except requests.ConnectionError as error:
                # Includes ConnectTimeout: nothing reached the store, so any method may retry.
                last_error = Transient(f"{method} {endpoint}: connection failed: {error}")
            except requests.Timeout as error:
                last_error = Transient(f"{method} {endpoint}: timed out after {self.timeout}s")
                if method == "POST":
                    # The store may have acted on it: the caller's idempotent retry decides.
                    raise last_error from error
            else:
                if response.status_code < 400:
                    return response
                last_error = error_for(response, f"{method} {endpoint}")
                if not _may_retry(method, response.status_code, last_error):
                    raise last_error
            wait = _backoff(attempt, last_error)
            if attempt == self._attempts or wait > MAX_INLINE_WAIT:
                break
            log.info("%s %s: %s; retrying in %.1fs", method, endpoint, last_error, wait)
            self._sleep(wait)
        assert last_error is not None  # noqa: S101 - the loop ran at least once
        raise last_error

    def _send(
        self, method: str, endpoint: str, params: Mapping[str, Any] | None, body: Any
    ) -> requests.Response:
        # The package forwards params to requests; copy so its OAuth path cannot mutate ours.
        query = dict(params or {})
        response: requests.Response
        if method in ("GET", "DELETE"):
            response = getattr(self._api, method.lower())(endpoint, params=query)
        elif method in ("POST", "PUT"):
            response = getattr(self._api, method.lower())(endpoint, body, params=query)
        else:
            raise ValueError(f"unsupported method {method}")
        return response


def error_for(response: requests.Response, what: str) -> ConnectorError:
    """The ConnectorError an HTTP error answer stands for, with WooCommerce's code kept."""
    status = response.status_code
    detail = _error_body(response)
    code = str(detail.get("code", "")) if isinstance(detail, dict) else ""
    message = f"{what}: HTTP {status}" + (f" {code}: {detail.get('message', '')}" if code else "")
    if status == 429:
        return RateLimited(message, retry_after=_retry_after(response), detail=detail)
    if status >= 500 or status == 408:
        return Transient(message, detail=detail)
    if status in _AUTH_STATUSES:
        return AuthRevoked(message, detail=detail)
    if status == 404:
        return NotFound(message, detail=detail)
    return Permanent(message, detail=detail)


def _may_retry(method: str, status: int, error: ConnectorError) -> bool:
    if not error.retryable:
        return False
    return method != "POST" or status in _RETRYABLE_POST_STATUSES


def _backoff(attempt: int, error: ConnectorError | None) -> float:
    if isinstance(error, RateLimited) and error.retry_after > 0:
        return error.retry_after
    # Jittered exponential backoff: 0.25-0.5 s, then 0.5-1 s.
    base: float = 0.25 * (2 ** (attempt - 1))
    return base + random.uniform(0, base)  # noqa: S311 - jitter, not a secret


def _retry_after(response: requests.Response) -> float:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return 30.0  # hosts and WAFs often omit it (research §1.4); wait a little


def _error_body(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {"body": response.text[:500]}
    return data if isinstance(data, dict) else {"body": data}


def _json(response: requests.Response, endpoint: str) -> Any:
    try:
        return response.json()
    except ValueError:
        # An HTML page with 200: a plain-permalink site or a WAF challenge, not the REST API.
        raise Permanent(
            f"{endpoint}: the store did not answer with JSON (is the REST API reachable?)",
            detail={"body": response.text[:500]},
        ) from None


def _int_header(response: requests.Response, name: str, *, default: int) -> int:
    try:
        return int(response.headers.get(name, default))
    except ValueError:
        return default
