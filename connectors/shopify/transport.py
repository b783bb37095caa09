"""HTTP for every call to Shopify, and where `SHOPIFY_ADMIN_ORIGIN` sends it.

Production talks to `https://<shop>.myshopify.com`. With an admin origin set (a sandbox shop in
tests and `make demo`), `SandboxTransport` rewrites each request's scheme, host and port to that
origin and keeps the original `Host` header, which is how the sandbox tells shops apart
(sandbox/shopify/routing.py). The code path above the transport is identical in both cases.
Browser redirects cannot keep a Host header, so `browser_url` uses the sandbox's path prefix
`/shops/<shop>` for them.
"""

from __future__ import annotations

import httpx

#: Shopify's connect window is short; a slow read is a Transient, never a hung worker.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)


class SandboxTransport(httpx.BaseTransport):
    """Sends `https://<shop>/...` requests to `origin` instead, keeping the shop identifiable."""

    def __init__(self, origin: str, inner: httpx.BaseTransport | None = None) -> None:
        self._origin = httpx.URL(origin.rstrip("/"))
        if self._origin.scheme not in ("http", "https") or not self._origin.host:
            raise ValueError(f"admin origin must be an http(s) URL, got {origin!r}")
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Rewrite the URL to the origin (the Host header still names the shop) and send."""
        if request.url.host.endswith(".myshopify.com"):
            request.headers.setdefault("X-Shopify-Shop-Domain", request.url.host)
            request.url = request.url.copy_with(
                scheme=self._origin.scheme,
                host=self._origin.host,
                port=self._origin.port,
                path=self._origin.path.rstrip("/") + request.url.path,
            )
        return self._inner.handle_request(request)

    def close(self) -> None:
        """Close the wrapped transport's connections."""
        self._inner.close()


def build_http_client(
    admin_origin: str | None = None, *, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The client every Shopify call uses: the sandbox transport when an origin is given."""
    if admin_origin:
        transport = SandboxTransport(admin_origin, transport)
    return httpx.Client(transport=transport, timeout=DEFAULT_TIMEOUT, follow_redirects=False)


def browser_url(shop_domain: str, path: str, admin_origin: str | None = None) -> str:
    """A URL on the shop a browser is sent to (OAuth authorize, the app in the admin)."""
    if admin_origin:
        return f"{admin_origin.rstrip('/')}/shops/{shop_domain}{path}"
    return f"https://{shop_domain}{path}"
