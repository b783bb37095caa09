"""Jinja filters that show numbers, money and times the way the Shopify admin does."""

from __future__ import annotations

import calendar
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask import Flask

from app.db.base import utcnow

CURRENCY_SYMBOLS = {
    "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "AUD": "A$",
    "CAD": "CA$", "NZD": "NZ$", "CHF": "CHF ", "SEK": "SEK ", "BRL": "R$",
}  # fmt: skip


def number(value: int | Decimal | float | None) -> str:
    """1234 → "1,234"; None → "—"."""
    if value is None:
        return "—"
    return f"{value:,}"


def percent(value: float | None) -> str:
    """0.4567 → "45.7%"; None (nothing to divide by) → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


def money(value: Decimal | int | None, currency: str = "USD") -> str:
    """Decimal("1234.5") → "$1,234.50" (symbol for common currencies, else the code)."""
    if value is None:
        return "—"
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    text = f"{amount:,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def local_time(value: datetime | None, timezone: str = "UTC") -> str:
    """An instant in the store's zone: "Nov 24, 2026, 9:05 PM"."""
    if value is None:
        return "—"
    local = value.astimezone(ZoneInfo(timezone))
    hour, half = local.hour % 12 or 12, "AM" if local.hour < 12 else "PM"
    return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M} {half}"


def relative_time(value: datetime | None, now: datetime | None = None) -> str:
    """ "3 minutes ago", "in 2 hours", "just now"."""
    if value is None:
        return "never"
    seconds = int(((now or utcnow()) - value).total_seconds())
    future, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def month_day(month: int | None, day: int | None) -> str:
    """(3, 14) → "March 14" (birthdays are often stored without a year)."""
    if not month or not day or not 1 <= month <= 12:
        return "—"
    return f"{calendar.month_name[month]} {day}"


def sentence(text: str | None) -> str:
    """ "must be at least 15" → "Must be at least 15." (messages from the core are fragments)."""
    if not text:
        return ""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."


def init_filters(app: Flask) -> None:
    """Register the filters on the app's Jinja environment."""
    app.add_template_filter(number)
    app.add_template_filter(percent)
    app.add_template_filter(money)
    app.add_template_filter(local_time)
    app.add_template_filter(relative_time)
    app.add_template_filter(month_day)
    app.add_template_filter(sentence)
