"""Time formats Shopify uses: UTC `Z` strings in GraphQL, shop-local offsets in REST bodies."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def iso_utc(timestamp: float) -> str:
    """GraphQL DateTime, e.g. 2026-04-28T22:40:23Z (whole seconds, as Shopify returns them)."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(timestamp: float, timezone: str) -> str:
    """REST/webhook timestamp in the shop's zone, e.g. 2021-12-31T19:00:00-05:00."""
    return datetime.fromtimestamp(timestamp, ZoneInfo(timezone)).isoformat(timespec="seconds")


def iso_precise(timestamp: float) -> str:
    """X-Shopify-Triggered-At style: UTC with fractional seconds."""
    return (
        datetime.fromtimestamp(timestamp, UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


def parse_time(value: str) -> float:
    """Epoch seconds from an ISO 8601 string (date-only values mean midnight UTC)."""
    text = value.strip().strip("'\"")
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def is_timezone(name: str) -> bool:
    """True for an IANA zone name this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
