"""Shopify payloads → `app.core.values`: the only place Shopify field names appear.

`map_event(topic, body)` is the connector's entry in `connectors.EVENT_MAPPERS`: it maps one
stored inbound event (a webhook topic such as `orders/paid`, or a storefront pixel event under
`pixel/<name>`) to neutral store events. `admin` maps GraphQL Admin API nodes the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from app.core.values import StoreEvent
from connectors.shopify.mapping.fields import PayloadError
from connectors.shopify.mapping.pixel import PIXEL_TOPIC_PREFIX, map_pixel_event
from connectors.shopify.mapping.webhooks import WEBHOOK_MAPPERS

__all__ = ["PayloadError", "UnknownTopic", "map_event", "supported_topics"]


class UnknownTopic(PayloadError):
    """No mapping exists for this topic (a subscription Nudge should not have)."""


def supported_topics() -> tuple[str, ...]:
    """Every webhook topic the mapping understands."""
    return tuple(WEBHOOK_MAPPERS)


def map_event(topic: str, body: str) -> Sequence[StoreEvent]:
    """Map one stored Shopify event (webhook or pixel) to neutral store events."""
    try:
        data = json.loads(body)
    except ValueError as error:
        raise PayloadError(f"{topic}: body is not JSON ({error})") from error
    if not isinstance(data, Mapping):
        raise PayloadError(f"{topic}: body is not a JSON object")
    if topic.startswith(PIXEL_TOPIC_PREFIX):
        return map_pixel_event(topic[len(PIXEL_TOPIC_PREFIX) :], data)
    mapper = WEBHOOK_MAPPERS.get(topic)
    if mapper is None:
        raise UnknownTopic(f"no mapping for Shopify topic {topic!r}")
    try:
        return mapper(data)
    except (KeyError, TypeError) as error:
        raise PayloadError(f"{topic}: unexpected payload shape ({error!r})") from error
