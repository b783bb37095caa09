"""A store's merchant settings that are not per recipe: sender, branding, sending rules.

They live in `Store.settings` (JSON) and are always read through `load_store_settings`, which
fills defaults and ignores stored values that no longer validate, so the engine and the renderer
never see a malformed value. The merchant changes them through `parse_store_settings`, which
reports every problem at once as field → message.

Defaults follow DESIGN.md §5 (research/features.md §2): quiet hours 21:00–08:00 in the
recipient's zone, one marketing email per 16 h, attribution 5 days after a click.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import time
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from app.core.messaging.contracts import Branding
from app.db.models import Store

log = logging.getLogger(__name__)

DEFAULT_ACCENT = "#008060"
FREQUENCY_CAP_RANGE = (0, 168)
ATTRIBUTION_WINDOW_RANGE = (0, 90)

_EMAIL = re.compile(
    r"^[^@\s<>\"',;]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class StoreSettings:
    """Validated merchant settings. Empty strings mean "not set" (the store's own value applies)."""

    sender_name: str = ""
    sender_email: str = ""
    reply_to: str = ""
    postal_address: str = ""
    logo_url: str = ""
    accent_color: str = DEFAULT_ACCENT
    #: IANA zone overriding the platform's store zone; "" follows the platform.
    timezone: str = ""
    quiet_hours_enabled: bool = True
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)
    #: At most one marketing email per customer per this many hours; 0 turns the cap off.
    frequency_cap_hours: int = 16
    #: An order within this many days of a click is credited to the email (0: never by click).
    attribution_window_days: int = 5
    #: An order using a Nudge code within this many days of its email is credited (0: never).
    attribution_code_window_days: int = 30


class StoreSettingsError(ValueError):
    """The submitted settings are invalid; `errors` maps each field to a message for it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted (the choices of the settings form)."""
    return tuple(sorted(available_timezones()))


def effective_timezone(store: Store, settings: StoreSettings | None = None) -> str:
    """The zone for the store's schedules: the merchant's override, else the platform's."""
    chosen = (settings or load_store_settings(store)).timezone
    return chosen or store.timezone or "UTC"


def load_store_settings(store: Store) -> StoreSettings:
    """The store's settings over the defaults; a stored value that fails validation is ignored."""
    stored = dict(store.settings or {})
    quiet = stored.pop("quiet_hours", None) or {}
    form = {key: _to_text(value) for key, value in stored.items()}
    if isinstance(quiet, Mapping):
        form["quiet_hours_enabled"] = "on" if quiet.get("enabled", True) else ""
        form["quiet_hours_start"] = _to_text(quiet.get("start", "21:00"))
        form["quiet_hours_end"] = _to_text(quiet.get("end", "08:00"))
    values, errors = _validate(form, StoreSettings())
    for field in errors:
        log.warning("store %s: stored setting %s is invalid; using the default", store.id, field)
    return values


def parse_store_settings(form: Mapping[str, str], current: StoreSettings) -> StoreSettings:
    """Validate a submitted settings form; fields absent from it keep their current value.

    A checkbox is absent when unticked, so `quiet_hours_enabled` is read as part of the form
    whenever the quiet-hours times are submitted.
    """
    values, errors = _validate(form, current)
    if errors:
        raise StoreSettingsError(errors)
    return values


def save_store_settings(store: Store, settings: StoreSettings) -> None:
    """Write validated settings to `Store.settings` (the caller commits)."""
    document = asdict(settings)
    document["quiet_hours"] = {
        "enabled": document.pop("quiet_hours_enabled"),
        "start": _clock(document.pop("quiet_hours_start")),
        "end": _clock(document.pop("quiet_hours_end")),
    }
    store.settings = {**(store.settings or {}), **document}


def settings_form(settings: StoreSettings) -> dict[str, str]:
    """The settings as form values (what the settings page shows in its inputs)."""
    form = {key: _to_text(value) for key, value in asdict(settings).items()}
    form["quiet_hours_enabled"] = "on" if settings.quiet_hours_enabled else ""
    form["quiet_hours_start"] = _clock(settings.quiet_hours_start)
    form["quiet_hours_end"] = _clock(settings.quiet_hours_end)
    return form


def store_home_url(store: Store) -> str:
    """The storefront's base URL: the storefront the platform reported (Shopify's primary
    domain), else the store's domain (a WooCommerce store's may carry a scheme and a path)."""
    reported = (store.storefront_url or "").rstrip("/")
    if reported.startswith(("http://", "https://")):
        return reported
    domain = store.domain.rstrip("/")
    return domain if domain.startswith(("http://", "https://")) else f"https://{domain}"


def branding_for(store: Store, settings: StoreSettings | None = None) -> Branding:
    """Who the store's emails come from and how they look (`messaging.contracts.Branding`)."""
    values = settings or load_store_settings(store)
    host = store.domain.split("://")[-1].split("/")[0]
    return Branding(
        store_name=store.name or host,
        store_url=store_home_url(store),
        from_email=values.sender_email or store.email or f"no-reply@{host}",
        from_name=values.sender_name or store.name or host,
        postal_address=values.postal_address,
        reply_to=values.reply_to or None,
        logo_url=values.logo_url or None,
        accent_color=values.accent_color,
    )


def is_email_address(value: str) -> bool:
    """True for one plain address like news@yourstore.com (no name, no list, ≤ 320 chars)."""
    return len(value) <= 320 and _EMAIL.match(value) is not None


def missing_for_sending(store: Store, settings: StoreSettings) -> list[str]:
    """What the merchant still has to fill in before marketing email may go out (CAN-SPAM)."""
    missing = []
    if not (settings.sender_email or store.email):
        missing.append("sender email")
    if not settings.postal_address:
        missing.append("postal address")
    return missing


# --- validation -----------------------------------------------------------------------------

Parser = Callable[[str], Any]


def _validate(
    form: Mapping[str, str], current: StoreSettings
) -> tuple[StoreSettings, dict[str, str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, parse in _PARSERS.items():
        if field not in form:
            continue
        try:
            values[field] = parse(form[field].strip())
        except ValueError as error:
            errors[field] = str(error)
    if "quiet_hours_start" in form or "quiet_hours_end" in form:
        values["quiet_hours_enabled"] = form.get("quiet_hours_enabled", "") in ("on", "true", "1")
    merged = replace(current, **values)
    if merged.quiet_hours_enabled and merged.quiet_hours_start == merged.quiet_hours_end:
        errors.setdefault("quiet_hours_end", "Quiet hours must end at a different time.")
        merged = replace(
            merged,
            quiet_hours_start=current.quiet_hours_start,
            quiet_hours_end=current.quiet_hours_end,
        )
    # Valid fields are applied even when others fail: loading keeps what is still good, and
    # parse_store_settings refuses the whole form when `errors` is not empty.
    return merged, errors


def _text(limit: int) -> Parser:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"Use at most {limit} characters.")
        if any(ord(char) < 32 for char in value):
            raise ValueError("Remove line breaks and control characters.")
        return value

    return parse


def _email(value: str) -> str:
    if not value:
        return ""
    if not is_email_address(value):
        raise ValueError("Enter an email address like news@yourstore.com.")
    return value.lower()


def _postal_address(value: str) -> str:
    lines = [line.strip() for line in value.replace("\r\n", "\n").split("\n") if line.strip()]
    text = "\n".join(lines)
    if len(text) > 500:
        raise ValueError("Use at most 500 characters.")
    if lines and len(lines) < 2:
        raise ValueError("Enter the full address: street, city and postal code, country.")
    return text


def _logo_url(value: str) -> str:
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or len(value) > 2048:
        raise ValueError("Enter an https:// address of an image (PNG, JPG, GIF or SVG).")
    return value


def _colour(value: str) -> str:
    if not _HEX_COLOUR.match(value):
        raise ValueError("Enter a colour as #RRGGBB, for example #008060.")
    return value.lower()


def _timezone(value: str) -> str:
    if value and value not in timezone_names():
        raise ValueError("Choose a time zone from the list.")
    return value


def _clock_time(value: str) -> time:
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError("Enter a time as HH:MM (24-hour), for example 21:00.")
    return time(int(match.group(1)), int(match.group(2)))


def _whole_number(low: int, high: int, unit: str) -> Parser:
    def parse(value: str) -> int:
        if not value.isdigit() or not low <= int(value) <= high:
            raise ValueError(f"Enter a whole number of {unit} from {low} to {high}.")
        return int(value)

    return parse


_PARSERS: dict[str, Parser] = {
    "sender_name": _text(100),
    "sender_email": _email,
    "reply_to": _email,
    "postal_address": _postal_address,
    "logo_url": _logo_url,
    "accent_color": _colour,
    "timezone": _timezone,
    "quiet_hours_start": _clock_time,
    "quiet_hours_end": _clock_time,
    "frequency_cap_hours": _whole_number(*FREQUENCY_CAP_RANGE, "hours"),
    "attribution_window_days": _whole_number(*ATTRIBUTION_WINDOW_RANGE, "days"),
    "attribution_code_window_days": _whole_number(*ATTRIBUTION_WINDOW_RANGE, "days"),
}


def _clock(value: time) -> str:
    return value.strftime("%H:%M")


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, time):
        return _clock(value)
    return "" if value is None else str(value)
