"""The recipe cards' one-line summaries, written from each recipe's settings."""

from __future__ import annotations

import pytest

from app.core.recipes import REGISTRY
from app.web.admin.recipe_summaries import duration, listing, recipe_summary


def settings(recipe: str, **changes: object) -> dict:
    return REGISTRY[recipe].schema.validate(changes)


@pytest.mark.parametrize(
    ("hours", "words"),
    [(1, "1 hour"), (2, "2 hours"), (24, "1 day"), (72, "3 days"), (36, "36 hours")],
)
def test_durations_read_like_a_person_wrote_them(hours: int, words: str) -> None:
    assert duration(hours) == words


def test_lists_join_with_and() -> None:
    assert listing(["1 hour"]) == "1 hour"
    assert listing(["1 hour", "1 day", "3 days"]) == "1 hour, 1 day and 3 days"


def test_the_defaults_say_what_design_section_5_says() -> None:
    assert recipe_summary("abandoned_cart", settings("abandoned_cart"), "USD") == (
        "Reminds shoppers who leave a cart with 3 emails, 1 hour, 1 day and 3 days after their "
        "last activity. First-time abandoners get 10% off in email 2 (valid 3 days)."
    )
    assert recipe_summary("birthday", settings("birthday"), "USD") == (
        "Sends a 15% off birthday code valid 14 days at 9:00 on the customer's birthday, "
        "at most once a year."
    )


def test_summaries_follow_the_settings() -> None:
    cart = settings("abandoned_cart", step_delays_hours=[2], discount_step=1,
                    discount_first_time_only=False, discount_kind="fixed_amount",
                    discount_value="5")  # fmt: skip
    assert recipe_summary("abandoned_cart", cart, "EUR") == (
        "Reminds shoppers who leave a cart with 1 email, 2 hours after their last activity. "
        "Shoppers get 5.00 EUR off in email 1 (valid 3 days)."
    )
    interest = settings("product_interest", discount_enabled=True, related_count=0)
    assert recipe_summary("product_interest", interest, "USD") == (
        "Follows up 4 hours after a known shopper viewed the same product 2 times in 7 days "
        "without buying it; it offers 10% off on that product."
    )
    cross = settings("cross_sell", discount_enabled=True, discount_kind="free_shipping")
    assert recipe_summary("cross_sell", cross, "USD").endswith(", with free shipping.")
    quiet = settings("birthday", discount_enabled=False, send_hour=10)
    assert recipe_summary("birthday", quiet, "USD") == (
        "Sends birthday wishes at 10:00 on the customer's birthday, at most once a year."
    )
