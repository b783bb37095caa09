"""Money, dates and durations as the recipient reads them (Babel's CLDR data).

A store's emails show prices in the store's currency formatted for the email's locale
(`$1,234.50` in en, `1.234,50 €` in de, `￥1,200` in ja) and a code's expiry in the recipient's
own time zone. A malformed locale or zone must never stop a send, so both fall back to a safe
default (English, UTC) instead of raising.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton, format_time, format_timedelta
from babel.numbers import format_currency

FALLBACK_LOCALE = "en"


def parse_locale(tag: str | None) -> Locale:
    """A Babel locale for `en`, `de-DE`, `pt_BR`...; English when the tag is unknown or empty."""
    if tag:
        separator = "-" if "-" in tag else "_"
        try:
            return Locale.parse(tag.strip(), sep=separator)
        except (UnknownLocaleError, ValueError, TypeError):
            pass
    return Locale.parse(FALLBACK_LOCALE)


def parse_zone(name: str | None) -> ZoneInfo:
    """The IANA zone `name`, or UTC when it is missing or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def format_money(amount: Decimal, currency: str, locale: Locale) -> str:
    """`amount` in `currency` as `locale` writes it, with the currency's own decimals (JPY: 0)."""
    return str(format_currency(amount, currency.upper(), locale=locale))


def format_moment(moment: datetime, locale: Locale, zone: ZoneInfo) -> str:
    """A date and time in `zone`, as `locale` writes them: "Sun, Mar 14, 2027, 5:00 PM EDT"."""
    local = moment.astimezone(zone)
    # The skeleton lets CLDR order the parts per locale ("So., 14. März 2027", "2027年3月15日(月)").
    date_text = format_skeleton("yMMMEd", local, tzinfo=zone, locale=locale)
    time_text = format_time(local, "short", tzinfo=zone, locale=locale)
    zone_text = format_time(local, "z", tzinfo=zone, locale=locale)
    # CLDR's medium date-time pattern joins the two parts in the locale's order ("{1}, {0}").
    pattern = str(locale.datetime_formats.get("medium", "{1}, {0}"))
    return pattern.format(f"{time_text} {zone_text}", date_text)


def format_remaining(until: datetime, now: datetime, locale: Locale) -> str:
    """How long until `until`, in words: "in 3 days", "in 14 hours" (en), "in 3 Tagen" (de)."""
    remaining = until - now
    return str(format_timedelta(remaining, locale=locale, add_direction=True, threshold=1.5))
