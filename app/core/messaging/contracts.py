"""What the recipe engine hands the message renderer, and what it gets back.

The engine builds an `EmailContext` from the mirror (current cart lines, recommendations, the
issued code) and asks an `EmailRenderer` for the email; links that must be signed (unsubscribe)
come from `LinkSigner`. Both are injected, so the engine's unit tests use simple fakes and the
renderer is tested on its own with real templates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class EmailProduct:
    """One product block: a cart line, a viewed product or a recommendation."""

    title: str
    url: str
    price: Decimal
    image_url: str | None = None
    variant_title: str | None = None
    quantity: int | None = None
    #: Why it is shown ("Because you bought Trail Shoes"), for recommendations.
    reason: str | None = None


@dataclass(frozen=True)
class Branding:
    """How the store's emails look and who they come from (merchant settings)."""

    store_name: str
    store_url: str
    from_email: str
    from_name: str
    postal_address: str
    reply_to: str | None = None
    logo_url: str | None = None
    accent_color: str = "#008060"


@dataclass(frozen=True)
class EmailContext:
    """Everything a recipe email may show. Money is in `currency`, formatted for `locale`."""

    recipe: str
    step: int
    to_email: str
    branding: Branding
    currency: str
    locale: str
    #: The main call to action (cart recovery link, product page, shop).
    cta_url: str
    unsubscribe_url: str
    first_name: str | None = None
    products: tuple[EmailProduct, ...] = ()
    cart_subtotal: Decimal | None = None
    code: str | None = None
    code_expires_at: datetime | None = None
    #: Human description of the code's value ("10% off", "$5 off", "free shipping").
    discount_label: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    #: The recipient's IANA time zone (else the store's), so a code's expiry reads in local time.
    timezone: str | None = None


@dataclass(frozen=True)
class TemplateOverride:
    """A merchant's own subject and/or body for one recipe step (Jinja, sandboxed)."""

    subject: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class RenderedEmail:
    """A rendered email: subject, inlined HTML, plain text."""

    subject: str
    html: str
    text: str


class EmailRenderer(Protocol):
    """Renders a recipe step's email from its context."""

    def render(
        self, context: EmailContext, override: TemplateOverride | None = None
    ) -> RenderedEmail:
        """The email for `context.recipe` step `context.step`."""
        ...


class LinkSigner(Protocol):
    """Signed, per-recipient links."""

    def unsubscribe_url(self, store_key: str, email: str) -> str:
        """The one-click unsubscribe URL for this recipient of this store."""
        ...
