"""The three sandboxes together (Shopify, WooCommerce, SendGrid), served on loopback ports in
this process, pointed at one Nudge app: what `make demo`, the simulator's tests and the
benchmarks start.

    with start_sandboxes(StackConfig(app_url="http://127.0.0.1:8000")) as stack:
        stack.shopify_url, stack.woocommerce_url, stack.sendgrid_url, stack.sendgrid_public_key

Each server is bound before its app is built, so the Shopify sandbox knows its own public URL
(storefront links, product pictures) even on a port chosen by the system.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from sandbox.sendgrid import DeliveryPolicy, SandboxState, sandbox_state
from sandbox.sendgrid import SandboxConfig as SendGridConfig
from sandbox.sendgrid import create_app as create_sendgrid_app
from sandbox.serving import ServerThread
from sandbox.shopify import create_app as create_shopify_app
from sandbox.shopify.config import DEFAULT_SCOPES, SandboxConfig
from sandbox.shopify.schema import admin_schema
from sandbox.shopify.state import Sandbox as ShopifyState
from sandbox.woocommerce import create_app as create_woo_app

#: What Nudge's shopify.app.toml asks for: the defaults plus the web pixel's scopes.
APP_SCOPES = DEFAULT_SCOPES + ",write_pixels,read_customer_events"
SENDGRID_WEBHOOK_PATH = "/webhooks/sendgrid"


class _Deferred:
    """A WSGI app set after the server is bound (so the app can know the server's URL)."""

    def __init__(self) -> None:
        self.app: Callable[..., Iterable[bytes]] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None  # noqa: S101 - set before the server starts
        return self.app(environ, start_response)


@dataclass(frozen=True)
class StackConfig:
    """The app the sandboxes talk to, and how."""

    app_url: str
    shopify_api_key: str = "nudge-sandbox-client-id"
    # ≥ 32 bytes: PyJWT warns about shorter HS256 keys.
    shopify_api_secret: str = "nudge-sandbox-client-secret-0123456789abcdef"  # noqa: S105 - local
    sendgrid_api_key: str = "SG.sandbox-demo-key"
    host: str = "127.0.0.1"
    ports: tuple[int, int, int] = (0, 0, 0)
    #: Seconds SendGrid events gather before one signed POST to the app.
    sendgrid_batch_interval: float = 1.0
    shopify_overrides: dict[str, Any] = field(default_factory=dict)


class SandboxStack:
    """The running sandboxes; `close()` stops their servers and background threads."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        shopify_port, woo_port, sendgrid_port = config.ports
        self._shopify_app, self._woo_app, self._sendgrid_app = (
            _Deferred(),
            _Deferred(),
            _Deferred(),
        )
        self.shopify = ServerThread(self._shopify_app, config.host, shopify_port)
        self.woocommerce = ServerThread(self._woo_app, config.host, woo_port)
        self.sendgrid = ServerThread(self._sendgrid_app, config.host, sendgrid_port)
        shopify_app = create_shopify_app(
            SandboxConfig(
                api_key=config.shopify_api_key,
                api_secret=config.shopify_api_secret,
                app_url=config.app_url,
                public_url=self.shopify.url,
                scopes=APP_SCOPES,
                **config.shopify_overrides,
            )
        )
        self.shopify_state: ShopifyState = shopify_app.extensions["shopify_sandbox"]
        self._shopify_app.app = shopify_app
        woo_app = create_woo_app({"delivery_timeout": 10.0})
        self._woo_deliverer = woo_app.extensions["woo_deliverer"]
        self._woo_app.app = woo_app
        sendgrid_app = create_sendgrid_app(
            SendGridConfig(
                api_keys=(config.sendgrid_api_key,),
                event_webhook_url=config.app_url.rstrip("/") + SENDGRID_WEBHOOK_PATH,
                delivery=DeliveryPolicy(batch_interval=config.sendgrid_batch_interval),
            )
        )
        self.sendgrid_state: SandboxState = sandbox_state(sendgrid_app)
        self._sendgrid_app.app = sendgrid_app

    @property
    def shopify_url(self) -> str:
        """The sandbox Shopify's origin (SHOPIFY_ADMIN_ORIGIN)."""
        return self.shopify.url

    @property
    def woocommerce_url(self) -> str:
        """The sandbox WooCommerce's origin (stores live under /<store>)."""
        return self.woocommerce.url

    @property
    def sendgrid_url(self) -> str:
        """The sandbox SendGrid's origin (SENDGRID_API_HOST)."""
        return self.sendgrid.url

    @property
    def sendgrid_public_key(self) -> str:
        """The event webhook's verification key (SENDGRID_WEBHOOK_PUBLIC_KEY)."""
        return str(self.sendgrid_state.public_key)

    def app_environment(self) -> dict[str, str]:
        """The variables that point a Nudge process at these sandboxes."""
        return {
            "SHOPIFY_API_KEY": self.config.shopify_api_key,
            "SHOPIFY_API_SECRET": self.config.shopify_api_secret,
            "SHOPIFY_ADMIN_ORIGIN": self.shopify_url,
            "MAIL_BACKEND": "sendgrid",
            "SENDGRID_API_KEY": self.config.sendgrid_api_key,
            "SENDGRID_API_HOST": self.sendgrid_url,
            "SENDGRID_WEBHOOK_PUBLIC_KEY": self.sendgrid_public_key,
        }

    def start(self) -> SandboxStack:
        """Serve all three, and build the Admin GraphQL schema in the background: the first
        GraphQL call would otherwise build it (seconds) while holding the sandbox's lock."""
        threading.Thread(target=admin_schema, name="admin schema", daemon=True).start()
        for server in (self.shopify, self.woocommerce, self.sendgrid):
            server.start()
        return self

    def close(self) -> None:
        """Stop the servers, then the webhook threads."""
        for server in (self.shopify, self.woocommerce, self.sendgrid):
            server.stop()
        self.shopify_state.close()
        self._woo_deliverer.stop()
        self.sendgrid_state.close()

    def __enter__(self) -> SandboxStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def start_sandboxes(config: StackConfig) -> SandboxStack:
    """Build the three sandboxes for `config` (use as a context manager, or start()/close())."""
    return SandboxStack(config)
