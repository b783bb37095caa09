"""The shop's webhook subscriptions, made to match what Nudge needs (after install, nightly).

Subscriptions created through the Admin API are deleted by Shopify after 8 failed deliveries
(research/shopify.md §3.3), so they are reconciled: missing ones re-created, wrong ones repaired,
duplicates removed. The compliance topics and app/uninstalled are declared in shopify.app.toml
instead (compliance topics cannot be created through the API; TOML subscriptions are never
deleted), so they are not listed here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from app.core.values import WebhookReport
from connectors.shopify import documents
from connectors.shopify.admin_api import AdminApi, raise_user_errors
from connectors.shopify.mapping.fields import nodes

log = logging.getLogger(__name__)

#: Webhook topic → WebhookSubscriptionTopic. Deliveries come in API version SHOPIFY_API_VERSION
#: (the app's configured webhook version).
TOPICS: dict[str, str] = {
    "orders/create": "ORDERS_CREATE",
    "orders/paid": "ORDERS_PAID",
    "orders/updated": "ORDERS_UPDATED",
    "orders/cancelled": "ORDERS_CANCELLED",
    "checkouts/create": "CHECKOUTS_CREATE",
    "checkouts/update": "CHECKOUTS_UPDATE",
    "carts/create": "CARTS_CREATE",
    "carts/update": "CARTS_UPDATE",
    "customers/create": "CUSTOMERS_CREATE",
    "customers/update": "CUSTOMERS_UPDATE",
    "customers/delete": "CUSTOMERS_DELETE",
    # customers/update carries no consent (2026-07): changes come on their own topic.
    "customers_email_marketing_consent/update": "CUSTOMERS_EMAIL_MARKETING_CONSENT_UPDATE",
    "products/create": "PRODUCTS_CREATE",
    "products/update": "PRODUCTS_UPDATE",
    "products/delete": "PRODUCTS_DELETE",
}
#: Customer payloads include the `facts` metafields (the birthday) when the subscription asks.
METAFIELD_NAMESPACES: dict[str, tuple[str, ...]] = {
    "customers/create": ("facts",),
    "customers/update": ("facts",),
}


def desired_input(topic: str, callback_url: str) -> dict[str, Any]:
    """The WebhookSubscriptionInput Nudge wants for `topic`."""
    return {
        "uri": callback_url,
        "format": "JSON",
        "metafieldNamespaces": list(METAFIELD_NAMESPACES.get(topic, ())),
    }


def _matches(subscription: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    namespaces = sorted(subscription.get("metafieldNamespaces") or ())
    return subscription.get("uri") == wanted["uri"] and namespaces == sorted(
        wanted["metafieldNamespaces"]
    )


class Subscriptions:
    """Reads and writes one shop's webhook subscriptions."""

    def __init__(self, api: AdminApi) -> None:
        self._api = api

    def list(self) -> list[dict[str, Any]]:
        """Every subscription this app has on the shop."""
        found: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            data = self._api.execute(documents.WEBHOOK_SUBSCRIPTIONS, {"after": after})
            connection = data.get("webhookSubscriptions") or {}
            found.extend(dict(node) for node in nodes(connection))
            info = connection.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return found
            after = info.get("endCursor")

    def ensure(self, callback_url: str) -> WebhookReport:
        """Create what is missing, repair what differs, drop duplicates (idempotent)."""
        existing = self.list()
        present: list[str] = []
        created: list[str] = []
        repaired: list[str] = []
        for topic, enum in TOPICS.items():
            wanted = desired_input(topic, callback_url)
            subscriptions = [item for item in existing if item.get("topic") == enum]
            good = [item for item in subscriptions if _matches(item, wanted)]
            if good:
                present.append(topic)
                extras = [item for item in subscriptions if item is not good[0]]
            elif subscriptions:
                self._update(str(subscriptions[0]["id"]), wanted)
                repaired.append(topic)
                extras = subscriptions[1:]
            else:
                self._create(enum, wanted)
                created.append(topic)
                extras = []
            for extra in extras:
                self._delete(str(extra["id"]))
            if extras and topic not in repaired:
                repaired.append(topic)
        if created or repaired:
            log.info("webhooks reconciled: created %s, repaired %s", created, repaired)
        return WebhookReport(
            present=tuple(present), created=tuple(created), repaired=tuple(repaired)
        )

    def remove_all(self) -> None:
        """Delete every subscription this app made on the shop."""
        for subscription in self.list():
            self._delete(str(subscription["id"]))

    def _create(self, topic: str, wanted: Mapping[str, Any]) -> None:
        variables = {"topic": topic, "subscription": dict(wanted)}
        data = self._api.execute(documents.WEBHOOK_SUBSCRIPTION_CREATE, variables)
        raise_user_errors(data.get("webhookSubscriptionCreate"), f"subscribing to {topic}")

    def _update(self, subscription_id: str, wanted: Mapping[str, Any]) -> None:
        variables = {"id": subscription_id, "subscription": dict(wanted)}
        data = self._api.execute(documents.WEBHOOK_SUBSCRIPTION_UPDATE, variables)
        raise_user_errors(data.get("webhookSubscriptionUpdate"), "repairing a subscription")

    def _delete(self, subscription_id: str) -> None:
        data = self._api.execute(documents.WEBHOOK_SUBSCRIPTION_DELETE, {"id": subscription_id})
        raise_user_errors(data.get("webhookSubscriptionDelete"), "deleting a subscription")
