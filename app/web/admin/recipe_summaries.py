"""One line per recipe saying what it will do for this store, written from its settings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from app.core.discounts import discount_label

Settings = Mapping[str, Any]


def duration(hours: int) -> str:
    """24 → "1 day", 72 → "3 days", 36 → "36 hours", 1 → "1 hour"."""
    if hours >= 24 and hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"


def listing(items: list[str]) -> str:
    """["a", "b", "c"] → "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def offer(settings: Settings, currency: str) -> str | None:
    """ "10% off" / "5.00 USD off" / "free shipping" when the recipe gives a code, else None."""
    if not settings.get("discount_enabled"):
        return None
    kind = settings["discount_kind"]
    value = Decimal(str(settings["discount_value"])) if kind != "free_shipping" else Decimal(0)
    return discount_label(kind, value, currency)


def _abandoned_cart(settings: Settings, currency: str) -> str:
    delays = [duration(hours) for hours in settings["step_delays_hours"]]
    count = len(delays)
    line = (
        f"Reminds shoppers who leave a cart with {count} email{'s' if count != 1 else ''}, "
        f"{listing(delays)} after their last activity."
    )
    code = offer(settings, currency)
    if code:
        who = (
            "First-time abandoners get" if settings["discount_first_time_only"] else "Shoppers get"
        )
        valid = duration(settings["discount_valid_hours"])
        line += f" {who} {code} in email {settings['discount_step']} (valid {valid})."
    return line


def _product_interest(settings: Settings, currency: str) -> str:
    line = (
        f"Follows up {duration(settings['delay_hours'])} after a known shopper viewed the same "
        f"product {settings['min_views']} times in {settings['window_days']} days without "
        "buying it"
    )
    if settings["related_count"]:
        line += f", with up to {settings['related_count']} related products"
    code = offer(settings, currency)
    return f"{line}{f'; it offers {code} on that product' if code else ''}."


def _cross_sell(settings: Settings, currency: str) -> str:
    line = (
        f"Suggests up to {settings['max_recommendations']} products that go with a paid order, "
        f"{duration(settings['delay_days'] * 24)} after payment, leaving out what they bought "
        "and what is out of stock"
    )
    code = offer(settings, currency)
    return f"{line}{f', with {code}' if code else ''}."


def _birthday(settings: Settings, currency: str) -> str:
    hour = f"{settings['send_hour']}:00"
    code = offer(settings, currency)
    if code:
        valid = duration(settings["discount_valid_hours"])
        return (
            f"Sends a {code} birthday code valid {valid} at {hour} on the customer's birthday, "
            "at most once a year."
        )
    return f"Sends birthday wishes at {hour} on the customer's birthday, at most once a year."


_SUMMARIES: dict[str, Callable[[Settings, str], str]] = {
    "abandoned_cart": _abandoned_cart,
    "product_interest": _product_interest,
    "cross_sell": _cross_sell,
    "birthday": _birthday,
}


def recipe_summary(recipe: str, settings: Settings, currency: str) -> str:
    """What `recipe` does with these (validated) settings, in one line."""
    return _SUMMARIES[recipe](settings, currency)
