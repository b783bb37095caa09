"""A stand-in platform mapping for pipeline tests: JSON body → CustomerUpserted."""

from __future__ import annotations

import json

from app.core.values import CustomerData, CustomerUpserted, StoreEvent


def map_event(topic: str, body: str) -> list[StoreEvent]:
    """customers/update → one customer; any other topic is a mapping bug."""
    if topic != "customers/update":
        raise ValueError(f"unmapped topic {topic}")
    data = json.loads(body)
    return [CustomerUpserted(CustomerData(platform_id=str(data["id"]), email=data["email"]))]
