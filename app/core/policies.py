"""The rules every recipe obeys, whatever it plans: who may be emailed, and when.

- Consent: marketing email needs the platform's "subscribed"; a recipe in transactional mode
  (abandoned cart, the merchant's choice) reaches anyone who has not opted out.
- Suppressions: unsubscribed, bounced, complained, manual or redacted addresses get nothing.
- Frequency cap: one marketing email per customer per `frequency_cap_hours` (16 h) across all
  recipes. A capped step is deferred, never dropped; when several recipes wait for the same
  customer, a step the cap already deferred goes first, then the better priority.
- Quiet hours: 21:00-08:00 in the recipient's zone (else the store's); deferred to the end.
- Holdout: a stable `holdout_percent` of customers per recipe gets nothing (recorded only).
Store-wide values live in `Store.settings` (keys below) and are validated on save by the admin.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.localtime import next_allowed, zone
from app.core.messaging.suppressions import suppression_keys
from app.core.store_settings import effective_timezone, load_store_settings
from app.db.models import Customer, Enrollment, Message, Store, Suppression

log = logging.getLogger(__name__)

#: Store.settings keys (defaults in brackets): quiet_hours_start ["21:00"], quiet_hours_end
#: ["08:00"], frequency_cap_hours [16; 0 turns the cap off].
DEFAULT_QUIET_START, DEFAULT_QUIET_END, DEFAULT_CAP_HOURS = time(21), time(8), 16
#: Consent states that allow marketing email (Shopify's CustomerEmailMarketingState).
MARKETING_OK = frozenset({"subscribed"})
#: Consent states that forbid even transactional-mode reminders.
OPTED_OUT = frozenset({"unsubscribed", "redacted", "invalid"})
#: Messages that never reached the provider do not count against the cap.
NOT_SENT = ("failed", "held_out")
#: Waits imposed by the cap; a step that sat through one outranks fresh steps.
CAP_WAITS = frozenset({"frequency_cap", "priority"})
#: How long a lower-priority step waits for a due higher-priority one to go first.
PRIORITY_YIELD = timedelta(minutes=2)


@dataclass(frozen=True)
class StorePolicy:
    """A store's quiet hours and frequency cap."""

    quiet_start: time = DEFAULT_QUIET_START
    quiet_end: time = DEFAULT_QUIET_END
    cap_hours: int = DEFAULT_CAP_HOURS


@dataclass(frozen=True)
class Defer:
    """Not now: try again at `until`, because of `reason`."""

    until: datetime
    reason: str


def store_policy(store: Store) -> StorePolicy:
    """The store's sending policy from its validated settings (app/core/store_settings.py)."""
    settings = load_store_settings(store)
    if not settings.quiet_hours_enabled:
        # No quiet hours: a window that starts and ends at the same minute never defers.
        return StorePolicy(time(0, 0), time(0, 0), settings.frequency_cap_hours)
    return StorePolicy(
        settings.quiet_hours_start, settings.quiet_hours_end, settings.frequency_cap_hours
    )


def audience_block(customer: Customer, category: str, suppression: str | None) -> str | None:
    """Why this customer must not get this category of email (an exit reason), or None."""
    if customer.redacted_at is not None:
        return "redacted"
    if not customer.email:
        return "no_email"
    if suppression is not None:
        return f"suppressed_{suppression}"
    if customer.consent == "unsubscribed":
        return "unsubscribed"
    if customer.consent in OPTED_OUT:
        return f"consent_{customer.consent}"
    if category == "marketing" and customer.consent not in MARKETING_OK:
        return "no_marketing_consent"
    return None


def suppression_reason(session: Session, store: Store, email: str | None) -> str | None:
    """The reason an address is suppressed for this store, or None."""
    if not email:
        return None
    reason: str | None = session.execute(
        select(Suppression.reason)
        .where(
            Suppression.store_id == store.id,
            Suppression.email.in_(suppression_keys(store.key, email)),
        )
        .limit(1)
    ).scalar_one_or_none()
    return reason


def in_holdout(store_id: int, recipe: str, customer_id: int, percent: int) -> bool:
    """Whether a customer is in a recipe's holdout group: a stable hash, so they stay put.

    Buckets are 0-9999; raising the percentage only adds customers, lowering it only removes.
    """
    if percent <= 0:
        return False
    digest = hashlib.sha256(f"holdout:{store_id}:{recipe}:{customer_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 10_000
    return bucket < percent * 100


def quiet_hours_until(
    now: datetime, customer: Customer, store: Store, policy: StorePolicy
) -> datetime | None:
    """When quiet hours end for this recipient, or None if `now` is outside them."""
    tz = zone(customer.timezone, effective_timezone(store))
    allowed = next_allowed(now, tz, policy.quiet_start, policy.quiet_end)
    return allowed if allowed > now else None


@dataclass(frozen=True)
class CapQuery:
    """Who is asking for a slot under the frequency cap."""

    store: Store
    customer_id: int
    recipe: str
    #: The key of this step's own message, which must not count against itself.
    message_key: str
    #: Recipe → priority (1 first) for the store's marketing recipes.
    priorities: Mapping[str, int]
    #: Why this step last waited (a step the cap already deferred goes first).
    wait_reason: str | None = None


def frequency_cap_until(
    session: Session, query: CapQuery, policy: StorePolicy, now: datetime
) -> Defer | None:
    """Defer while another marketing email went out within the cap, or a better recipe is due.

    Call with the customer's row locked (`lock_customer`) and keep the lock until this step's
    message row is committed, so two recipes cannot both take the same slot.
    """
    if policy.cap_hours == 0:
        return None
    cap = timedelta(hours=policy.cap_hours)
    last: datetime | None = session.execute(
        select(func.max(Message.created_at)).where(
            Message.store_id == query.store.id,
            Message.customer_id == query.customer_id,
            Message.category == "marketing",
            Message.status.not_in(NOT_SENT),
            Message.created_at > now - cap,
            Message.idempotency_key != query.message_key,
        )
    ).scalar_one_or_none()
    if last is not None:
        # Staggered by priority so the best-placed recipe takes the slot when it reopens.
        rank = query.priorities.get(query.recipe, 100)
        return Defer(last + cap + timedelta(minutes=rank), "frequency_cap")
    if _someone_goes_first(session, query, now):
        return Defer(now + PRIORITY_YIELD, "priority")
    return None


def _rank(priority: int, wait_reason: str | None) -> tuple[int, int]:
    # A step the cap already pushed back goes before fresh ones (so a busy series cannot
    # starve a lower-priority recipe forever); then the better priority.
    return (0 if wait_reason in CAP_WAITS else 1, priority)


def _someone_goes_first(session: Session, query: CapQuery, now: datetime) -> bool:
    """True when another of the customer's marketing steps is due and ranks before this one."""
    others = [name for name in query.priorities if name != query.recipe]
    if not others:
        return False
    rows = session.execute(
        select(Enrollment.recipe, Enrollment.wait_reason).where(
            Enrollment.store_id == query.store.id,
            Enrollment.customer_id == query.customer_id,
            Enrollment.recipe.in_(others),
            Enrollment.holdout.is_(False),
            (Enrollment.state == "claimed")
            | ((Enrollment.state == "active") & (Enrollment.next_run_at <= now)),
        )
    ).all()
    mine = _rank(query.priorities.get(query.recipe, 100), query.wait_reason)
    return any(_rank(query.priorities[recipe], reason) < mine for recipe, reason in rows)


def lock_customer(session: Session, customer_id: int) -> None:
    """Serialise per-customer decisions (cap, enrollment) until the transaction ends.

    PostgreSQL: a row lock. SQLite: every transaction already holds the write lock
    (BEGIN IMMEDIATE, app/db/session.py), so the SELECT is enough.
    """
    session.execute(select(Customer.id).where(Customer.id == customer_id).with_for_update())


def timing(
    session: Session,
    query: CapQuery,
    customer: Customer,
    category: str,
    now: datetime,
) -> Defer | None:
    """The deferral quiet hours and the frequency cap impose on a send now, or None."""
    policy = store_policy(query.store)
    deferral = frequency_cap_until(session, query, policy, now) if category == "marketing" else None
    at = deferral.until if deferral else now
    quiet_end = quiet_hours_until(at, customer, query.store, policy)
    if quiet_end is not None:
        return Defer(quiet_end, "quiet_hours" if deferral is None else deferral.reason)
    return deferral
