"""The two ports the core owns, and the one error tree every adapter raises.

Connectors implement these Protocols; the core and its unit tests only ever see them (tests use
recording fakes). Protocols, not base classes, so a fake needs no inheritance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from app.core.values import (
    CartData,
    CodeRequest,
    CustomerData,
    DiscountSpec,
    IssueResult,
    OrderData,
    OutboundMessage,
    Page,
    ProductData,
    SendResult,
    ShopData,
    WebhookReport,
)


class ConnectorError(Exception):
    """Base of every failure an adapter reports. `retryable` tells the job runner what to do."""

    retryable: bool = False

    def __init__(self, message: str, *, detail: object = None) -> None:
        super().__init__(message)
        self.detail = detail


class RateLimited(ConnectorError):
    """The platform asked us to slow down; try again after `retry_after` seconds."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float, detail: object = None) -> None:
        super().__init__(message, detail=detail)
        self.retry_after = max(0.0, retry_after)


class Transient(ConnectorError):
    """A timeout, a 5xx or a dropped connection: the same call may succeed later."""

    retryable = True


class AuthRevoked(ConnectorError):
    """Credentials no longer work even after a refresh: the store must reconnect."""


class NotFound(ConnectorError):
    """The resource does not exist on the platform (deleted, or never there)."""


class Permanent(ConnectorError):
    """The platform refused the request as given (validation, userErrors); retrying won't help."""


class OutcomeUnknown(ConnectorError):
    """The request left but no answer came back (a read timeout, a dropped connection): it may
    have taken effect. Repeating it could do it twice, so callers must not retry blindly."""


class StoreConnector(Protocol):
    """Everything the core asks of a commerce platform, for one connected store."""

    platform: str

    def fetch_shop(self) -> ShopData:
        """The store's profile (name, zone, currency)."""
        ...

    def list_customers(self, cursor: str | None) -> Page[CustomerData]:
        """One page of customers, oldest first; pass the returned cursor for the next."""
        ...

    def list_products(self, cursor: str | None) -> Page[ProductData]:
        """One page of products with variants."""
        ...

    def list_orders(self, cursor: str | None, since: datetime | None) -> Page[OrderData]:
        """One page of orders updated since `since` (None: the platform's default window)."""
        ...

    def list_open_carts(self, cursor: str | None, since: datetime | None) -> Page[CartData]:
        """One page of open (abandoned) checkouts or carts updated since `since`."""
        ...

    def issue_codes(
        self, spec: DiscountSpec, codes: Sequence[CodeRequest], parent_ref: str | None
    ) -> IssueResult:
        """Create these codes. A code that already exists with this spec counts as issued, so a
        retried call never fails on its own earlier success. A code that clashes with one the
        merchant owns may be replaced; `IssueResult.issued` is in request order either way."""
        ...

    def delete_codes(self, platform_refs: Sequence[str]) -> None:
        """Remove codes (expired ones) from the store; missing ones are ignored."""
        ...

    def set_marketing_consent(
        self, customer_platform_id: str | None, email: str, subscribed: bool
    ) -> None:
        """Write an unsubscribe (or subscribe) back to the platform where it allows."""
        ...

    def ensure_webhooks(self, callback_url: str) -> WebhookReport:
        """Make the store's webhook subscriptions match what Nudge needs (idempotent)."""
        ...

    def remove_webhooks(self) -> None:
        """Delete every subscription Nudge created."""
        ...


class CredentialVault(Protocol):
    """Where one store's credentials live (encrypted at rest), as a connector sees them.

    Connectors never touch the database: the web and worker layers hand them a vault. A platform
    with expiring tokens (Shopify) refreshes under `lock()` and `save()`s the new pair before
    using it, so a rotated refresh token is never lost and two processes never refresh at once.
    Callers must not hold an open database transaction on the store while calling a connector.
    """

    def load(self) -> Mapping[str, Any]:
        """The credentials as last saved (re-read from storage when called under `lock()`)."""
        ...

    def save(self, credentials: Mapping[str, Any]) -> None:
        """Replace the credentials, durably, before returning."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Hold the store's credential lock (one refresh at a time, across processes)."""
        ...

    def mark_revoked(self, reason: str) -> None:
        """The credentials stopped working for good: the store is disconnected until the
        merchant reconnects it."""
        ...


class MessageSender(Protocol):
    """An email delivery provider."""

    def send(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        """Hand these messages to the provider. Raises ConnectorError when the whole request
        fails (RateLimited with the reset time, Transient for 5xx, Permanent for 4xx)."""
        ...
