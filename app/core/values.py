"""Frozen values that cross the ports: what a connector hands the core and the core hands back.

Connectors translate platform payloads into these (connectors/<platform>/mapping.py is the only
place platform field names appear); the core never sees a platform dictionary.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar

T = TypeVar("T")

ConsentState = Literal[
    "subscribed", "not_subscribed", "pending", "unsubscribed", "redacted", "invalid"
]
DiscountKind = Literal["percentage", "fixed_amount", "free_shipping"]


@dataclass(frozen=True)
class Birthday:
    """A birthday; the year is optional because many stores only ask for day and month."""

    month: int
    day: int
    year: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"birthday month out of range: {self.month}")
        days_in_month = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[self.month - 1]
        if not 1 <= self.day <= days_in_month:
            raise ValueError(f"birthday day out of range: {self.month}-{self.day}")


@dataclass(frozen=True)
class ShopData:
    """The store's own profile."""

    name: str
    domain: str
    email: str | None = None
    timezone: str = "UTC"
    currency: str = "USD"
    locale: str = "en"
    #: The storefront's public origin (`https://host`) when it is not `domain`: Shopify's primary
    #: domain (a shop's own domain rather than <shop>.myshopify.com). None: not reported.
    storefront_url: str | None = None


@dataclass(frozen=True)
class CustomerData:
    """A shopper as the platform knows them.

    `consent` and `tags` are None when the payload does not report them (Shopify's 2026-07
    customer webhooks carry neither): the mirror then keeps what it holds.
    """

    platform_id: str
    email: str | None
    first_name: str | None = None
    last_name: str | None = None
    consent: ConsentState | None = "not_subscribed"
    consent_updated_at: datetime | None = None
    birthday: Birthday | None = None
    timezone: str | None = None
    locale: str | None = None
    tags: tuple[str, ...] | None = ()
    orders_count: int | None = None
    total_spent: Decimal | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class VariantData:
    """One purchasable variant."""

    platform_id: str
    price: Decimal
    title: str = ""
    sku: str | None = None
    compare_at_price: Decimal | None = None
    inventory_quantity: int | None = None
    available: bool = True
    image_url: str | None = None
    position: int = 0


@dataclass(frozen=True)
class ProductData:
    """A product with its variants. `collections` is None when the payload does not report
    them (Shopify product webhooks): the mirror then keeps what it holds."""

    platform_id: str
    title: str
    handle: str | None = None
    url: str | None = None
    image_url: str | None = None
    status: str = "active"
    product_type: str | None = None
    vendor: str | None = None
    collections: tuple[str, ...] | None = ()
    tags: tuple[str, ...] = ()
    variants: tuple[VariantData, ...] = ()
    updated_at: datetime | None = None


@dataclass(frozen=True)
class LineData:
    """A line of a cart or an order."""

    product_platform_id: str | None
    variant_platform_id: str | None
    title: str
    quantity: int
    price: Decimal
    variant_title: str | None = None
    image_url: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class OrderData:
    """A placed order. Drafts and open checkouts are CartData, never OrderData."""

    platform_id: str
    placed_at: datetime
    email: str | None = None
    customer: CustomerData | None = None
    name: str | None = None
    currency: str = "USD"
    subtotal_price: Decimal = Decimal("0")
    total_price: Decimal = Decimal("0")
    discount_codes: tuple[str, ...] = ()
    financial_status: str = "pending"
    lines: tuple[LineData, ...] = ()
    cart_token: str | None = None
    checkout_token: str | None = None
    paid_at: datetime | None = None
    cancelled_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class CartData:
    """A cart or checkout as last reported by the platform or the storefront snippet."""

    platform_token: str
    updated_at: datetime
    kind: Literal["cart", "checkout"] = "cart"
    email: str | None = None
    customer: CustomerData | None = None
    lines: tuple[LineData, ...] = ()
    subtotal_price: Decimal = Decimal("0")
    currency: str = "USD"
    recovery_url: str | None = None
    cart_token: str | None = None
    completed_at: datetime | None = None
    #: What the shopper ticked at checkout, when the platform reports it.
    accepts_marketing: bool | None = None


@dataclass(frozen=True)
class ProductViewData:
    """A storefront product view; the visitor may be anonymous."""

    visitor_id: str
    product_platform_id: str
    viewed_at: datetime
    customer_platform_id: str | None = None
    email: str | None = None


# --- Events: what a connector's mapping turns one inbound payload into -------------------------


@dataclass(frozen=True)
class CustomerUpserted:
    customer: CustomerData


@dataclass(frozen=True)
class CustomerConsentChanged:
    """A shopper's email-marketing consent changed on the platform (Shopify's
    customers_email_marketing_consent/update: its customers/update payloads carry no consent)."""

    platform_id: str
    email: str | None
    consent: ConsentState
    consent_updated_at: datetime | None = None


@dataclass(frozen=True)
class CustomerDeleted:
    platform_id: str


@dataclass(frozen=True)
class ProductUpserted:
    product: ProductData


@dataclass(frozen=True)
class ProductDeleted:
    platform_id: str


@dataclass(frozen=True)
class OrderUpserted:
    order: OrderData


@dataclass(frozen=True)
class CartUpserted:
    cart: CartData


@dataclass(frozen=True)
class ProductViewed:
    view: ProductViewData


@dataclass(frozen=True)
class ShopUpdated:
    shop: ShopData


@dataclass(frozen=True)
class AppUninstalled:
    """The merchant removed Nudge: stop all work for the store at once."""


@dataclass(frozen=True)
class CustomerDataRequested:
    """A shopper asked the merchant for their data (Shopify customers/data_request)."""

    request_id: str
    customer_platform_id: str | None
    email: str | None
    order_platform_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomerRedactRequested:
    """Erase a shopper's personal data everywhere (Shopify customers/redact)."""

    customer_platform_id: str | None
    email: str | None
    order_platform_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShopRedactRequested:
    """Erase everything Nudge holds for the store (Shopify shop/redact)."""


StoreEvent = (
    CustomerUpserted
    | CustomerConsentChanged
    | CustomerDeleted
    | ProductUpserted
    | ProductDeleted
    | OrderUpserted
    | CartUpserted
    | ProductViewed
    | ShopUpdated
    | AppUninstalled
    | CustomerDataRequested
    | CustomerRedactRequested
    | ShopRedactRequested
)


# --- Discounts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiscountSpec:
    """What a recipe's codes give. One platform parent discount exists per distinct spec."""

    kind: DiscountKind
    value: Decimal
    title: str
    starts_at: datetime
    ends_at: datetime | None
    product_platform_ids: tuple[str, ...] = ()
    minimum_subtotal: Decimal | None = None

    def fingerprint(self) -> str:
        """A stable hash of what the discount gives (not when it starts), to reuse a parent."""
        data = asdict(self)
        data.pop("starts_at")
        data.pop("ends_at")
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class CodeRequest:
    """One unique code to create, optionally restricted to the shopper's email."""

    code: str
    email: str | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True)
class IssuedCode:
    """A code the platform confirmed, with the platform's reference for later deletion."""

    code: str
    platform_ref: str


@dataclass(frozen=True)
class IssueResult:
    """Result of issuing codes: the parent discount used (Shopify) and the confirmed codes."""

    parent_ref: str | None
    issued: tuple[IssuedCode, ...]


@dataclass(frozen=True)
class WebhookReport:
    """What `ensure_webhooks` found and did."""

    present: tuple[str, ...] = ()
    created: tuple[str, ...] = ()
    repaired: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing and the cursor of the next (None at the end)."""

    items: tuple[T, ...]
    next_cursor: str | None = None


# --- Messages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundMessage:
    """A rendered email ready for a MessageSender."""

    message_id: int
    to_email: str
    from_email: str
    subject: str
    html: str
    text: str
    to_name: str | None = None
    from_name: str | None = None
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    custom_args: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    """The provider's answer for one message."""

    message_id: int
    accepted: bool
    provider_message_id: str | None = None
    error: str | None = None
    #: The request left but its answer was lost: the provider may have taken the message.
    outcome_unknown: bool = False


#: custom_args keys every provider message carries, echoed back on its delivery events.
MESSAGE_ID_ARG = "nudge_message_id"
STORE_KEY_ARG = "nudge_store"

MessageEventKind = Literal[
    "processed",
    "deferred",
    "delivered",
    "opened",
    "clicked",
    "bounced",
    "dropped",
    "complained",
    "unsubscribed",
    "resubscribed",
]
SuppressionReason = Literal["unsubscribed", "bounced", "complained"]


@dataclass(frozen=True)
class MessageEvent:
    """A delivery or engagement event an email provider reported about one sent message.

    `event_id` is the provider's unique id of the event (SendGrid's sg_event_id), the key that
    makes a redelivered event a no-op. `message_id` and `store_key` come back from the
    custom_args the sender attached. `suppress` is the provider connector's verdict on whether
    the address must never be emailed again (a hard bounce, a spam report, an unsubscribe).
    """

    provider: str
    event_id: str
    kind: MessageEventKind
    email: str
    occurred_at: datetime
    message_id: int | None = None
    store_key: str | None = None
    provider_message_id: str | None = None
    suppress: SuppressionReason | None = None
    reason: str | None = None
    url: str | None = None
