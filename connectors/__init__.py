"""Adapters to third parties, behind the core's ports. One registry entry per platform."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from app.core.values import MessageEvent, StoreEvent

#: A mapping turns one stored webhook (topic, raw body) into neutral store events.
EventMapper = Callable[[str, str], Sequence[StoreEvent]]
#: An email provider's mapping turns one stored event-webhook POST into message events.
MessageEventMapper = Callable[[str, str], Sequence[MessageEvent]]

#: platform name → module that exposes `map_event(topic, body)`; imported on first use.
EVENT_MAPPERS: dict[str, str] = {
    "shopify": "connectors.shopify.mapping",
    "woocommerce": "connectors.woocommerce.mapping",
}


#: email provider → module exposing `map_event(topic, body)` for its delivery/engagement events.
#: Their inbound events are stored without a store (one provider account serves every store).
MESSAGE_EVENT_MAPPERS: dict[str, str] = {"sendgrid": "connectors.messaging.sendgrid_webhook"}


class UnknownPlatform(LookupError):
    """No connector is registered under this platform name."""


def event_mapper(platform: str) -> EventMapper:
    """The `map_event` function of a platform's connector."""
    module_name = EVENT_MAPPERS.get(platform)
    if module_name is None:
        raise UnknownPlatform(f"no connector registered for platform {platform!r}")
    mapper: EventMapper = importlib.import_module(module_name).map_event
    return mapper


def message_event_mapper(provider: str) -> MessageEventMapper:
    """The `map_event` function of an email provider's event webhook."""
    module_name = MESSAGE_EVENT_MAPPERS.get(provider)
    if module_name is None:
        raise UnknownPlatform(f"no email provider registered as {provider!r}")
    mapper: MessageEventMapper = importlib.import_module(module_name).map_event
    return mapper
