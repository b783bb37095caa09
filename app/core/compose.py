"""From a recipe's Content to a rendered, addressed email stored as a message payload.

Branding and sender identity are merchant settings (app/core/store_settings.py, the admin's
Settings page); missing values fall back to the store's own name and email. Steps are counted
from 0, as in `Enrollment.step` and the templates' file names (templates/emails/<recipe>/step0);
`extra["step_count"]` says how many emails the series has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.messaging.contracts import (
    Branding,
    EmailContext,
    EmailRenderer,
    LinkSigner,
    TemplateOverride,
)
from app.core.recipes.base import Content
from app.core.store_settings import branding_for
from app.core.values import STORE_KEY_ARG
from app.db.models import Customer, IssuedDiscount, Store

ONE_CLICK = "List-Unsubscribe=One-Click"


@dataclass(frozen=True)
class StepEmail:
    """Who a step's email is for and which step of which series it is."""

    store: Store
    customer: Customer
    recipe: str
    step: int
    step_count: int
    enrollment_id: int


def branding(store: Store) -> Branding:
    """The store's branding: the merchant's settings, the store's profile where they are empty."""
    return branding_for(store)


def template_override(store: Store, recipe: str, step: int) -> TemplateOverride | None:
    """The merchant's own subject/body for a step (Store.settings["templates"][recipe]["<step>"],
    steps counted from 0 like Enrollment.step and the templates/emails/<recipe>/step<N> files)."""
    templates = (store.settings or {}).get("templates") or {}
    custom = (templates.get(recipe) or {}).get(str(step))
    if not custom:
        return None
    return TemplateOverride(subject=custom.get("subject"), body=custom.get("body"))


def email_context(
    email: StepEmail, content: Content, code: IssuedDiscount | None, unsubscribe_url: str
) -> EmailContext:
    """What the renderer gets for a step: recipient, branding, products, link and code."""
    store, customer = email.store, email.customer
    return EmailContext(
        recipe=email.recipe,
        step=email.step,
        to_email=customer.email or "",
        branding=branding(store),
        currency=content.currency or store.currency,
        locale=customer.locale or store.locale,
        cta_url=content.cta_url,
        unsubscribe_url=unsubscribe_url,
        first_name=customer.first_name,
        products=content.products,
        cart_subtotal=content.subtotal,
        code=code.code if code is not None else None,
        code_expires_at=code.expires_at if code is not None else None,
        discount_label=(code.spec.get("label") if code is not None else None),
        extra={"step_count": str(email.step_count), **content.extra},
    )


def render_payload(
    email: StepEmail,
    content: Content,
    code: IssuedDiscount | None,
    renderer: EmailRenderer,
    signer: LinkSigner,
) -> dict[str, Any]:
    """Render the step's email and return the message payload a sender needs (JSON-safe)."""
    store, customer = email.store, email.customer
    unsubscribe = signer.unsubscribe_url(store.key, customer.email or "")
    context = email_context(email, content, code, unsubscribe)
    rendered = renderer.render(context, template_override(store, email.recipe, email.step))
    brand = context.branding
    return {
        "to_email": context.to_email,
        "to_name": " ".join(filter(None, (customer.first_name, customer.last_name))) or None,
        "from_email": brand.from_email,
        "from_name": brand.from_name,
        "reply_to": brand.reply_to,
        "subject": rendered.subject,
        "html": rendered.html,
        "text": rendered.text,
        "headers": {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": ONE_CLICK},
        "categories": ["nudge", email.recipe],
        "custom_args": {
            STORE_KEY_ARG: store.key,
            "recipe": email.recipe,
            "step": str(email.step),
            "enrollment": str(email.enrollment_id),
        },
        "code": context.code,
        "products": [product.title for product in content.products],
        "cta_url": content.cta_url,
    }
