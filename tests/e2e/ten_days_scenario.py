"""Ten days of one store, written down: who does what and when, and what each one must receive.

Every expectation below was worked out by hand from the recipes' rules (issue 6, DESIGN.md §5)
and the settings in `RECIPES` / `STORE_FORM`, never by asking the engine: default delays (cart
steps 1 h / 24 h / 72 h after the basket's last activity, product interest 4 h after the last
view, cross-sell 7 days after payment, birthdays at 9:00 local), quiet hours 21:00-08:00 in the
shopper's zone, one marketing email per 16 h (a deferred step waits until the slot reopens, plus
its recipe's priority in minutes). All times are UTC; June, so New York is UTC-4, Los Angeles
UTC-7, London UTC+1, Tokyo UTC+9 and Auckland UTC+12.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sandbox.simulator.people import CustomerSpec
from sandbox.simulator.plan import Abandon, AddToCart, Checkout, Purchase, View

START = datetime(2026, 6, 1, tzinfo=UTC)  # a Monday
DAYS = 10
END = START + timedelta(days=DAYS)
SHOP_ZONE = "America/New_York"

NEW_YORK, LOS_ANGELES, LONDON = "America/New_York", "America/Los_Angeles", "Europe/London"
TOKYO, AUCKLAND = "Asia/Tokyo", "Pacific/Auckland"
#: The seeded customers, per zone. Roles are handed out among them once Nudge knows their ids,
#: because the holdout group is a stable hash of the store's and the customer's ids; each zone
#: holds about three times the customers its roles need outside a 20 % holdout (13 roles in New
#: York), so a fitting customer is always there (the odds against are below 1 in 10,000).
POOL_ZONES = ((NEW_YORK, 40), (LOS_ANGELES, 12), (LONDON, 12), (TOKYO, 12), (AUCKLAND, 8))

AC, PI, CS, BD = "abandoned_cart", "product_interest", "cross_sell", "birthday"
#: A bigger holdout than the default 10 %, so that 80 customers surely hold someone for each
#: recipe's group; everything else is each recipe's default.
HOLDOUT = 20
RECIPES = {recipe: {"holdout_percent": HOLDOUT} for recipe in (AC, PI, CS, BD)}
STORE_FORM = {
    "sender_name": "Ten Days",
    "sender_email": "hello@ten-days.example.com",
    "postal_address": "1 Sandbox Way\nSpringfield, OR 97477\nUnited States",
    "quiet_hours_enabled": "on",
    "quiet_hours_start": "21:00",
    "quiet_hours_end": "08:00",
    "frequency_cap_hours": "16",
}
#: Products by catalog index (build_catalog(7, 16): all three in stock).
SHIRT, SOCKS, NOTEBOOK = 0, 1, 2


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Day `day` of the run (0 = 1 June), at hh:mm UTC."""
    return START + timedelta(days=day, hours=hour, minutes=minute)


@dataclass(frozen=True)
class Act:
    """Something a shopper does at `when`: a visit (its steps), or a named action."""

    when: datetime
    steps: tuple[object, ...] = ()
    #: "come_back", "refund" or "cancel" of the visit `of` acts earlier; "unsubscribe".
    action: str = ""
    of: int = 0


def abandon(when: datetime, product: int = SHIRT) -> Act:
    return Act(when, (View(product), AddToCart(((product, 1),)), Checkout(), Abandon()))


def buy(when: datetime, product: int = SOCKS) -> Act:
    return Act(when, (AddToCart(((product, 1),)), Checkout(), Purchase()))


def look(when: datetime, product: int) -> Act:
    return Act(when, (View(product),))


@dataclass(frozen=True)
class Role:
    """One shopper's part: profile, acts, and the emails they must get: (recipe, step) →
    when it must arrive (None: any time in the run)."""

    name: str
    zone: str | None = None
    consent: str = "subscribed"
    birthday: date | None = None
    #: Recipes the role takes part in: the role must be outside their holdout groups ...
    recipes: tuple[str, ...] = ()
    #: ... except this one, whose holdout group it must be in.
    held_out_of: str | None = None
    acts: tuple[Act, ...] = ()
    expected: dict[tuple[str, int], datetime | None] = field(default_factory=dict)


ROLES = (
    # --- abandoned cart --------------------------------------------------------------------
    Role("cart_full", NEW_YORK, recipes=(AC,), acts=(abandon(at(0, 14)),),
         expected={(AC, 0): at(0, 15), (AC, 1): at(1, 14), (AC, 2): at(3, 14)}),
    # Comes back and pays after the first email: the series stops; the order's cross-sell
    # comes 7 days after payment (16:00 in New York).
    Role("cart_recovered", NEW_YORK, recipes=(AC, CS),
         acts=(abandon(at(0, 15)), Act(at(0, 20), action="come_back", of=0)),
         expected={(AC, 0): at(0, 16), (CS, 0): at(7, 20)}),
    # Leaves at 20:30 in Tokyo: step 0 falls at 21:30, so it waits for 08:00; step 1 (20:30
    # next day) is then within 16 h of it, so it waits for 08:00 too; step 2 goes on time.
    Role("cart_quiet", TOKYO, recipes=(AC,), acts=(abandon(at(1, 11, 30)),),
         expected={(AC, 0): at(1, 23), (AC, 1): at(2, 23), (AC, 2): at(4, 11, 30)}),
    # Unsubscribes with the first email's one-click link: nothing more.
    Role("cart_unsubscribes", LONDON, recipes=(AC,),
         acts=(abandon(at(0, 13)), Act(at(0, 18), action="unsubscribe")),
         expected={(AC, 0): at(0, 14)}),
    Role("cart_unsubscribed", NEW_YORK, "unsubscribed", recipes=(AC,),
         acts=(abandon(at(0, 14, 30)),)),
    Role("cart_not_subscribed", NEW_YORK, "not_subscribed", recipes=(AC,),
         acts=(abandon(at(0, 14, 40)),)),
    Role("cart_holdout", held_out_of=AC, acts=(abandon(at(0, 14, 50)),)),
    # --- product interest --------------------------------------------------------------------
    Role("browse", LONDON, recipes=(PI,), acts=(look(at(2, 9), SHIRT), look(at(2, 9, 20), SHIRT)),
         expected={(PI, 0): at(2, 13, 20)}),
    # Due at 22:30 in Los Angeles: waits for 08:00.
    Role("browse_late", LOS_ANGELES, recipes=(PI,),
         acts=(look(at(3, 1), NOTEBOOK), look(at(3, 1, 30), NOTEBOOK)),
         expected={(PI, 0): at(3, 15)}),
    # Buys what they looked at before the email was due: no interest email, a cross-sell.
    Role("browse_bought", NEW_YORK, recipes=(PI, CS),
         acts=(look(at(2, 13), SOCKS), look(at(2, 13, 10), SOCKS), buy(at(2, 15), SOCKS)),
         expected={(CS, 0): at(9, 15)}),
    Role("browse_once", NEW_YORK, recipes=(PI,), acts=(look(at(2, 14), NOTEBOOK),)),
    Role("browse_unsubscribed", NEW_YORK, "unsubscribed", recipes=(PI,),
         acts=(look(at(2, 10), SHIRT), look(at(2, 10, 15), SHIRT))),
    Role("browse_holdout", held_out_of=PI,
         acts=(look(at(2, 10, 5), SHIRT), look(at(2, 10, 25), SHIRT))),
    # --- cross-sell --------------------------------------------------------------------------
    Role("buyer", LOS_ANGELES, recipes=(CS,), acts=(buy(at(0, 18)),),
         expected={(CS, 0): at(7, 18)}),
    # Paid at 22:00 in Tokyo: the cross-sell waits for 08:00 a week later.
    Role("buyer_quiet", TOKYO, recipes=(CS,), acts=(buy(at(1, 13)),),
         expected={(CS, 0): at(8, 23)}),
    Role("buyer_refunded", NEW_YORK, recipes=(CS,),
         acts=(buy(at(1, 14)), Act(at(3, 14), action="refund", of=0))),
    Role("buyer_cancelled", NEW_YORK, recipes=(CS,),
         acts=(buy(at(1, 15)), Act(at(2, 15), action="cancel", of=0))),
    # Paid on day 4: the cross-sell falls after the run.
    Role("buyer_late", NEW_YORK, recipes=(CS,), acts=(buy(at(4, 14)),)),
    Role("buyer_holdout", held_out_of=CS, acts=(buy(at(0, 19)),)),
    # --- birthday ----------------------------------------------------------------------------
    # 9:00 on 4 June in Auckland is 21:00 UTC on 3 June.
    Role("birthday_auckland", AUCKLAND, birthday=date(1990, 6, 4), recipes=(BD,),
         expected={(BD, 0): at(2, 21)}),
    Role("birthday_la", LOS_ANGELES, birthday=date(1985, 6, 6), recipes=(BD,),
         expected={(BD, 0): at(5, 16)}),
    # A cart left at 00:30 on the birthday: step 0 (01:30) waits for 08:00; the birthday
    # email (9:00) is then within 16 h, so it waits for the slot (00:02, quiet) → 08:00 next
    # day, ahead of cart step 1 (due 00:30, quiet → 08:00), which waits a day more.
    Role("birthday_capped", NEW_YORK, birthday=date(1992, 6, 8), recipes=(BD, AC),
         acts=(abandon(at(7, 4, 30), NOTEBOOK),),
         expected={(AC, 0): at(7, 12), (BD, 0): at(8, 12), (AC, 1): at(9, 12)}),
    Role("birthday_unsubscribed", NEW_YORK, "unsubscribed", birthday=date(1980, 6, 3),
         recipes=(BD,)),
    Role("birthday_holdout", birthday=date(1981, 6, 3), held_out_of=BD),
    Role("birthday_after_the_run", NEW_YORK, birthday=date(1979, 6, 20), recipes=(BD,)),
)  # fmt: skip


def pool() -> tuple[CustomerSpec, ...]:
    """The seeded customers: all subscribed, no birthday; roles change that later."""
    zones = [zone for zone, count in POOL_ZONES for _ in range(count)]
    return tuple(
        CustomerSpec(
            index=index,
            first_name=f"Shopper{index + 1}",
            last_name="Tendays",
            email=f"shopper{index + 1}+ten-days@example.com",
            consent="subscribed",
            birthday=None,
            time_zone=zone,
            country_code="US",
            city="Springfield",
            province_code="",
        )
        for index, zone in enumerate(zones)
    )
