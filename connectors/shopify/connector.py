"""`ShopifyConnector`: the StoreConnector port for one Shopify shop.

Each method delegates to the module that owns the concern (listing, discounts, subscriptions);
this class only wires them to one AdminApi (tokens, pacing, error mapping).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from app.core.ports import Permanent
from app.core.values import (
    CartData,
    CodeRequest,
    CustomerData,
    DiscountSpec,
    IssueResult,
    OrderData,
    Page,
    ProductData,
    ShopData,
    WebhookReport,
)
from connectors.shopify import documents, listing
from connectors.shopify.admin_api import (
    AdminApi,
    raise_user_errors,
    user_errors,
    user_errors_failure,
)
from connectors.shopify.discounts import DiscountWriter
from connectors.shopify.mapping.fields import global_id, nodes
from connectors.shopify.subscriptions import Subscriptions

log = logging.getLogger(__name__)


class ShopifyConnector:
    """Everything Nudge asks of one Shopify shop, over the GraphQL Admin API."""

    platform = "shopify"

    def __init__(
        self,
        api: AdminApi,
        *,
        discounts: DiscountWriter | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.api = api
        self.discounts = discounts or DiscountWriter(api)
        self.subscriptions = Subscriptions(api)
        self._on_close = on_close

    def close(self) -> None:
        """Release the HTTP connections this connector opened."""
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def __enter__(self) -> ShopifyConnector:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def shop_domain(self) -> str:
        """The shop's myshopify domain."""
        return self.api.shop_domain

    def fetch_shop(self) -> ShopData:
        """The shop's profile (name, zone, currency, primary locale)."""
        return listing.fetch_shop(self.api)

    def list_customers(self, cursor: str | None) -> Page[CustomerData]:
        """One page of customers."""
        return listing.list_customers(self.api, cursor)

    def list_products(self, cursor: str | None) -> Page[ProductData]:
        """One page of products with all their variants."""
        return listing.list_products(self.api, cursor)

    def list_orders(self, cursor: str | None, since: datetime | None) -> Page[OrderData]:
        """One page of orders updated since `since`."""
        return listing.list_orders(self.api, cursor, since)

    def list_open_carts(self, cursor: str | None, since: datetime | None) -> Page[CartData]:
        """One page of open abandoned checkouts updated since `since`."""
        return listing.list_open_carts(self.api, cursor, since)

    def issue_codes(
        self, spec: DiscountSpec, codes: Sequence[CodeRequest], parent_ref: str | None
    ) -> IssueResult:
        """Create unique codes under one parent discount per configuration."""
        return self.discounts.issue_codes(spec, codes, parent_ref)

    def delete_codes(self, platform_refs: Sequence[str]) -> None:
        """Remove expired codes from the shop."""
        self.discounts.delete_codes(platform_refs)

    def set_marketing_consent(
        self, customer_platform_id: str | None, email: str, subscribed: bool
    ) -> None:
        """Write an unsubscribe (or subscribe) back to the customer's email consent."""
        customer_id = customer_platform_id or self._customer_id_for(email)
        if customer_id is None:
            log.info("no Shopify customer has that email; consent not written back")
            return
        consent: dict[str, Any] = {
            # NOT_SUBSCRIBED cannot be set through the API; UNSUBSCRIBED is the opt-out state.
            "marketingState": "SUBSCRIBED" if subscribed else "UNSUBSCRIBED",
            "consentUpdatedAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
        if subscribed:
            consent["marketingOptInLevel"] = "SINGLE_OPT_IN"
        variables = {
            "input": {
                "customerId": global_id("Customer", customer_id),
                "emailMarketingConsent": consent,
            }
        }
        data = self.api.execute(documents.CUSTOMER_EMAIL_CONSENT_UPDATE, variables)
        raise_user_errors(data.get("customerEmailMarketingConsentUpdate"), "updating consent")

    def _customer_id_for(self, email: str) -> str | None:
        quoted = email.replace("\\", "\\\\").replace('"', '\\"')
        data = self.api.execute(documents.CUSTOMER_BY_EMAIL, {"query": f'email:"{quoted}"'})
        found = nodes(data.get("customers"))
        return str(found[0]["id"]) if found else None

    def ensure_webhooks(self, callback_url: str) -> WebhookReport:
        """Reconcile the shop's webhook subscriptions with what Nudge needs."""
        return self.subscriptions.ensure(callback_url)

    def remove_webhooks(self) -> None:
        """Delete every subscription Nudge created."""
        self.subscriptions.remove_all()

    def ensure_web_pixel(self, settings: Mapping[str, str]) -> str:
        """Activate (or update) Nudge's web pixel on the shop with these settings; its id.

        Safe to repeat: an existing pixel is updated (or left alone when its settings already
        match), and a pixel another setup created meanwhile (TAKEN) is updated, not an error.
        """
        payload = {"settings": json.dumps(dict(settings), sort_keys=True)}
        existing = self._web_pixel()
        if existing is None:
            data = self.api.execute(documents.WEB_PIXEL_CREATE, {"webPixel": payload})
            result = data.get("webPixelCreate")
            errors = user_errors(result)
            if not any(error.get("code") == "TAKEN" for error in errors):
                raise_user_errors(result, "activating the web pixel")
                return str(((result or {}).get("webPixel") or {}).get("id", ""))
            existing = self._web_pixel()
            if existing is None:
                raise user_errors_failure(errors, "activating the web pixel")
        if _same_settings(existing.get("settings"), settings):
            return str(existing["id"])
        variables = {"id": existing["id"], "webPixel": payload}
        result = self.api.execute(documents.WEB_PIXEL_UPDATE, variables).get("webPixelUpdate")
        raise_user_errors(result, "updating the web pixel")
        return str(((result or {}).get("webPixel") or {}).get("id", existing["id"]))

    def _web_pixel(self) -> Mapping[str, Any] | None:
        try:
            pixel = self.api.execute(documents.WEB_PIXEL).get("webPixel")
        except Permanent as error:
            # Shopify answers the app-pixel query with an error while none exists.
            if "not found" in str(error).lower() or "no web pixel" in str(error).lower():
                return None
            raise
        return pixel if isinstance(pixel, Mapping) else None


def _same_settings(stored: object, wanted: Mapping[str, str]) -> bool:
    if isinstance(stored, str):
        try:
            stored = json.loads(stored)
        except ValueError:
            return False
    return isinstance(stored, Mapping) and dict(stored) == dict(wanted)
