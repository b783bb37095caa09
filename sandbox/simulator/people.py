"""Seeded customers: names, emails, marketing consent, birthdays and time zones.

Pure data. Every store gets its own customers (the store's tag is in each address), so a code
found in a shopper's inbox always belongs to the store they shop at. The mix is chosen so every
recipe has someone: a few birthdays fall on today's date in the customer's own zone, two on
29 February, and zones span Pacific/Auckland to America/Los_Angeles.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

FIRST_NAMES = (
    "Ana", "Ben", "Chloe", "Dev", "Elif", "Farah", "Gus", "Hana", "Ivan", "Jade", "Kofi", "Lena",
    "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Vik", "Wren",
    "Xiu", "Yara", "Zane", "Aroha", "Bodhi", "Chen", "Dara",
)  # fmt: skip
LAST_NAMES = (
    "Lee", "Okafor", "Novak", "Silva", "Tanaka", "Haddad", "Murphy", "Kowalski", "Ngata",
    "Rossi", "Andersen", "Mensah", "Garcia", "Iyer", "Fischer", "Dubois", "Walker", "Sato",
)  # fmt: skip
#: (IANA zone, country code, city, province code or "").
ZONES = (
    ("Pacific/Auckland", "NZ", "Auckland", ""),
    ("America/Los_Angeles", "US", "Los Angeles", "CA"),
    ("America/New_York", "US", "New York", "NY"),
    ("America/Chicago", "US", "Chicago", "IL"),
    ("Europe/London", "GB", "London", ""),
    ("Europe/Berlin", "DE", "Berlin", ""),
    ("Asia/Tokyo", "JP", "Tokyo", ""),
    ("Australia/Sydney", "AU", "Sydney", "NSW"),
    ("America/Sao_Paulo", "BR", "São Paulo", "SP"),
)
#: Consent states in the proportions they are handed out (every 20 customers get each of them):
#: 65 % subscribed, 20 % not subscribed, 10 % unsubscribed, 5 % pending (double opt-in).
CONSENT_MIX = ("subscribed",) * 13 + ("not_subscribed",) * 4 + ("unsubscribed",) * 2 + ("pending",)
EMAIL_DOMAIN = "example.com"


@dataclass(frozen=True)
class CustomerSpec:
    """One seeded customer."""

    index: int
    first_name: str
    last_name: str
    email: str
    consent: str
    birthday: date | None
    time_zone: str
    country_code: str
    city: str
    province_code: str

    @property
    def subscribed(self) -> bool:
        """True when marketing email may be sent."""
        return self.consent == "subscribed"


def customer_email(first: str, last: str, number: int, store_tag: str) -> str:
    """first.last<number>+<store>@example.com (RFC 2606 domain: nothing leaves the machine)."""
    return f"{first}.{last}{number}+{store_tag}@{EMAIL_DOMAIN}".lower()


def guest_email(seed: int, number: int, store_tag: str) -> str:
    """The address a guest shopper types at checkout."""
    return f"guest{seed}-{number}+{store_tag}@example.org"


def build_customers(
    seed: int, count: int, store_tag: str, now: datetime
) -> tuple[CustomerSpec, ...]:
    """`count` customers for one store. Deterministic for (seed, count, store_tag, now's date)."""
    rng = random.Random(f"customers:{seed}")
    offset = rng.randrange(len(CONSENT_MIX))
    return tuple(_customer(rng, index, offset, store_tag, now) for index in range(count))


def _customer(
    rng: random.Random, index: int, offset: int, store_tag: str, now: datetime
) -> CustomerSpec:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    zone, country, city, province = ZONES[index % len(ZONES)]
    # 7 is coprime with 20: consecutive customers walk through the whole mix.
    consent = CONSENT_MIX[(index * 7 + offset) % len(CONSENT_MIX)]
    birthday = _birthday(rng)
    if index < len(ZONES) - 3:
        # Someone with a birthday today in their own zone, in most zones, all subscribed: the
        # birthday recipe always has someone whose local morning has come.
        consent, birthday = "subscribed", _today_in(zone, now, rng)
    elif index in (len(ZONES) - 3, len(ZONES) - 2):
        consent, birthday = "subscribed", date(2000 - 4 * (index % 2), 2, 29)
    return CustomerSpec(
        index=index,
        first_name=first,
        last_name=last,
        email=customer_email(first, last, index + 1, store_tag),
        consent=consent,
        birthday=birthday,
        time_zone=zone,
        country_code=country,
        city=city,
        province_code=province,
    )


def _birthday(rng: random.Random) -> date | None:
    if rng.random() < 0.3:
        return None
    year, day_of_year = rng.randint(1955, 2006), rng.randint(0, 364)
    return date.fromordinal(date(year, 1, 1).toordinal() + day_of_year)


def _today_in(zone: str, now: datetime, rng: random.Random) -> date:
    local = now.astimezone(ZoneInfo(zone)).date()
    year = rng.randint(1960, 2004)
    if (local.month, local.day) == (2, 29):
        year = 2000  # a leap year, so the date exists
    return local.replace(year=year)
