"""An httpx transport that sends https://<shop>.myshopify.com/... to a sandbox origin.

For tests that drive `shopifyapp` (or a connector) against the sandbox: only scheme, host and
port are replaced, so the original Host header still names the shop (README, "routing").
Production code must not import sandbox/; a connector honouring SHOPIFY_ADMIN_ORIGIN carries its
own few lines doing the same.
"""

from __future__ import annotations

import httpx


class SandboxTransport(httpx.BaseTransport):
    """Send every request to `origin`, keeping the original Host header."""

    def __init__(self, origin: str) -> None:
        self._origin = httpx.URL(origin)
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Rewrite the URL's scheme, host and port, then send."""
        request.url = request.url.copy_with(
            scheme=self._origin.scheme, host=self._origin.host, port=self._origin.port
        )
        return self._inner.handle_request(request)

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._inner.close()
