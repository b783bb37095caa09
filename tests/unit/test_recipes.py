"""The four recipes as pure planning: every rule of issue 6, on hand-made facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.core.messaging.contracts import EmailProduct
from app.core.recipes.abandoned_cart import RECIPE as CART
from app.core.recipes.abandoned_cart import Basket, CartFacts
from app.core.recipes.base import Content, Due, Enroll, Exit, PastEnrollment, Skip
from app.core.recipes.birthday import RECIPE as BIRTHDAY
from app.core.recipes.birthday import BirthdayFacts
from app.core.recipes.cross_sell import RECIPE as CROSS
from app.core.recipes.cross_sell import OrderFacts
from app.core.recipes.product_interest import RECIPE as INTEREST
from app.core.recipes.product_interest import InterestFacts

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
SHOE = EmailProduct("Trail Shoe", "https://shop.test/p/shoe", Decimal("80"), "https://i/s.png")
SOCK = EmailProduct("Wool Sock", "https://shop.test/p/sock", Decimal("12"), "https://i/w.png")


def basket(lines=(SHOE,), last=T0, **overrides) -> Basket:
    values = {
        "ref": "cart-1",
        "lines": tuple(lines),
        "subtotal": Decimal("80"),
        "currency": "USD",
        "last_activity": last,
        "started_at": last - timedelta(minutes=5),
        "email": "ada@example.com",
        "recovery_url": "https://shop.test/recover/1",
    }
    values.update(overrides)
    return Basket(**values)


def cart_facts(**overrides) -> CartFacts:
    values = {"basket": basket(), "store_url": "https://shop.test"}
    values.update(overrides)
    return CartFacts(**values)


SETTINGS = {
    name: recipe.schema.defaults()
    for name, recipe in (
        ("cart", CART),
        ("interest", INTEREST),
        ("cross", CROSS),
        ("birthday", BIRTHDAY),
    )
}


# --- Abandoned cart ---------------------------------------------------------------------------


def test_cart_enrolls_with_step_one_an_hour_after_last_activity() -> None:
    decision = CART.decide(cart_facts(), (), SETTINGS["cart"], T0)
    assert isinstance(decision, Enroll)
    assert decision.trigger_ref == "cart-1"
    assert decision.due == T0 + timedelta(hours=1)
    assert decision.context["first_time"] is True


def test_cart_without_email_lines_or_with_an_order_is_not_enrolled() -> None:
    settings = SETTINGS["cart"]
    assert CART.decide(cart_facts(basket=basket(email=None)), (), settings, T0) == Skip("no_email")
    assert CART.decide(cart_facts(basket=basket(lines=())), (), settings, T0) == Skip("empty_cart")
    ordered = cart_facts(ordered_at=T0)
    assert CART.decide(ordered, (), settings, T0) == Skip("ordered")
    completed = cart_facts(basket=basket(completed=True))
    assert CART.decide(completed, (), settings, T0) == Skip("ordered")


def test_one_series_per_customer_per_24_hours() -> None:
    earlier = PastEnrollment("cart-0", T0 - timedelta(hours=23), messaged=True, open=False)
    assert CART.decide(cart_facts(), (earlier,), SETTINGS["cart"], T0) == Skip(
        "series_within_cooldown"
    )
    older = PastEnrollment("cart-0", T0 - timedelta(hours=25), messaged=True, open=False)
    decision = CART.decide(cart_facts(), (older,), SETTINGS["cart"], T0)
    assert isinstance(decision, Enroll)
    # ...and having been messaged before makes this a repeat abandoner: no code.
    assert decision.context["first_time"] is False
    # A series that exited before sending anything (cart replaced at once) does not count.
    silent = PastEnrollment("cart-0", T0 - timedelta(hours=1), messaged=False, open=False)
    fresh = CART.decide(cart_facts(), (silent,), SETTINGS["cart"], T0)
    assert isinstance(fresh, Enroll) and fresh.context["first_time"] is True


def test_cart_steps_follow_the_last_activity() -> None:
    settings = SETTINGS["cart"]
    assert CART.evaluate(1, cart_facts(), settings, {}, T0) == Due(T0 + timedelta(hours=24))
    later = cart_facts(basket=basket(last=T0 + timedelta(hours=5)))
    assert CART.evaluate(1, later, settings, {}, T0) == Due(T0 + timedelta(hours=29))
    assert CART.evaluate(2, cart_facts(), settings, {}, T0) == Due(T0 + timedelta(hours=72))


def test_cart_exits_on_order_empty_replaced_or_gone() -> None:
    settings = SETTINGS["cart"]
    assert CART.evaluate(1, cart_facts(ordered_at=T0), settings, {}, T0) == Exit("order_placed")
    emptied = cart_facts(basket=basket(lines=()))
    assert CART.evaluate(1, emptied, settings, {}, T0) == Exit("cart_emptied")
    replaced = cart_facts(newer_basket_at=T0 + timedelta(minutes=30))
    assert CART.evaluate(1, replaced, settings, {}, T0) == Exit("cart_replaced")
    assert CART.evaluate(1, cart_facts(basket=None), settings, {}, T0) == Exit("cart_gone")


def test_cart_email_shows_the_current_lines_and_the_recovery_link() -> None:
    facts = cart_facts(basket=basket(lines=(SOCK,)))
    content = CART.compose(0, facts, SETTINGS["cart"], {"first_time": True})
    assert isinstance(content, Content)
    assert content.products == (SOCK,)
    assert content.cta_url == "https://shop.test/recover/1"
    assert content.discount is None
    no_link = cart_facts(basket=basket(recovery_url=None))
    assert CART.compose(0, no_link, SETTINGS["cart"], {}).cta_url == "https://shop.test/cart"


def test_first_time_abandoners_get_a_code_on_step_two_reused_on_step_three() -> None:
    settings, first = SETTINGS["cart"], {"first_time": True}
    assert [CART.compose(step, cart_facts(), settings, first).discount for step in range(3)] == [
        None,
        "issue",
        "reuse",
    ]
    repeat = {"first_time": False}
    assert [CART.compose(step, cart_facts(), settings, repeat).discount for step in range(3)] == [
        None,
        None,
        None,
    ]
    off = {**settings, "discount_enabled": False}
    assert CART.compose(1, cart_facts(), off, first).discount is None


def test_transactional_mode_is_the_merchants_choice() -> None:
    assert CART.category(SETTINGS["cart"]) == "marketing"
    assert CART.category({**SETTINGS["cart"], "consent_mode": "transactional"}) == "transactional"


# --- Product interest -------------------------------------------------------------------------


def interest(views=2, **overrides) -> InterestFacts:
    values = {
        "product_id": "p-shoe",
        "product": SHOE,
        "views": tuple(T0 - timedelta(hours=3 * index) for index in reversed(range(views))),
        "related": (SOCK,),
    }
    values.update(overrides)
    return InterestFacts(**values)


def test_two_views_enroll_four_hours_after_the_last() -> None:
    settings = SETTINGS["interest"]
    assert INTEREST.decide(interest(views=1), (), settings, T0) == Skip("too_few_views")
    decision = INTEREST.decide(interest(), (), settings, T0)
    assert isinstance(decision, Enroll)
    assert decision.due == T0 + timedelta(hours=4)
    assert decision.trigger_ref == "p-shoe@2026-11-02"


def test_carted_bought_or_unavailable_products_are_not_followed_up() -> None:
    settings = SETTINGS["interest"]
    assert isinstance(INTEREST.decide(interest(carted=True), (), settings, T0), Skip)
    assert isinstance(INTEREST.decide(interest(bought=True), (), settings, T0), Skip)
    assert isinstance(INTEREST.decide(interest(product=None), (), settings, T0), Skip)
    assert INTEREST.evaluate(0, interest(carted=True), settings, {}, T0) == Exit("carted")
    assert INTEREST.evaluate(0, interest(bought=True), settings, {}, T0) == Exit("bought")


def test_at_most_one_per_product_per_customer_per_30_days() -> None:
    settings = SETTINGS["interest"]
    recent = PastEnrollment("p-shoe@2026-10-10", T0 - timedelta(days=23), True, False)
    assert INTEREST.decide(interest(), (recent,), settings, T0) == Skip("product_cooldown")
    other_product = PastEnrollment("p-hat@2026-10-30", T0 - timedelta(days=3), True, False)
    assert isinstance(INTEREST.decide(interest(), (other_product,), settings, T0), Enroll)
    old = PastEnrollment("p-shoe@2026-09-30", T0 - timedelta(days=33), True, False)
    assert isinstance(INTEREST.decide(interest(), (old,), settings, T0), Enroll)


def test_interest_email_shows_the_product_and_up_to_three_related() -> None:
    content = INTEREST.compose(0, interest(related=(SOCK,) * 5), SETTINGS["interest"], {})
    assert content.products == (SHOE, SOCK, SOCK, SOCK)
    assert content.cta_url == SHOE.url and content.discount is None
    with_code = {**SETTINGS["interest"], "discount_enabled": True}
    coded = INTEREST.compose(0, interest(), with_code, {})
    assert coded.discount == "issue" and coded.discount_products == ("p-shoe",)


# --- Cross-sell -------------------------------------------------------------------------------


def order(**overrides) -> OrderFacts:
    values = {
        "order_id": "1001",
        "paid_at": T0,
        "financial_status": "paid",
        "cancelled": False,
        "store_url": "https://shop.test",
        "recommendations": (SOCK,),
    }
    values.update(overrides)
    return OrderFacts(**values)


def test_cross_sell_seven_days_after_payment() -> None:
    settings = SETTINGS["cross"]
    decision = CROSS.decide(order(), (), settings, T0)
    assert isinstance(decision, Enroll) and decision.due == T0 + timedelta(days=7)
    assert decision.trigger_ref == "order:1001"
    assert CROSS.decide(order(paid_at=None, financial_status="pending"), (), settings, T0) == Skip(
        "not_paid"
    )


def test_cancelled_or_refunded_orders_exit() -> None:
    settings = SETTINGS["cross"]
    assert CROSS.evaluate(0, order(cancelled=True), settings, {}, T0) == Exit("order_cancelled")
    refunded = order(financial_status="refunded")
    assert CROSS.evaluate(0, refunded, settings, {}, T0) == Exit("order_refunded")
    assert isinstance(CROSS.decide(refunded, (), settings, T0), Skip)


def test_no_recommendation_means_no_email() -> None:
    assert CROSS.compose(0, order(recommendations=()), SETTINGS["cross"], {}) == Exit(
        "no_recommendations"
    )
    many = order(recommendations=(SOCK,) * 6)
    assert len(CROSS.compose(0, many, SETTINGS["cross"], {}).products) == 4


# --- Birthday ---------------------------------------------------------------------------------


def bday(month=11, day=24, zone="UTC") -> BirthdayFacts:
    return BirthdayFacts(month=month, day=day, zone=zone, store_url="https://shop.test")


def test_birthday_at_nine_local_in_auckland() -> None:
    settings = SETTINGS["birthday"]
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)  # 24 November 01:00 in Auckland
    decision = BIRTHDAY.decide(bday(zone="Pacific/Auckland"), (), settings, now)
    assert isinstance(decision, Enroll)
    assert decision.due == datetime(2026, 11, 23, 20, tzinfo=UTC)  # 09:00 NZDT
    assert decision.trigger_ref == "2026"
    # The same birthday in London is tomorrow there: 09:00 GMT on the 24th.
    london = BIRTHDAY.decide(bday(zone="Europe/London"), (), settings, now)
    assert london.due == datetime(2026, 11, 24, 9, tzinfo=UTC)


def test_birthday_only_today_or_tomorrow() -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert BIRTHDAY.decide(bday(), (), SETTINGS["birthday"], now) == Skip("not_today")
    assert BIRTHDAY.decide(bday(month=None, day=None), (), SETTINGS["birthday"], now) == Skip(
        "no_birthday"
    )


def test_february_29_in_a_common_year() -> None:
    now = datetime(2027, 2, 28, 6, tzinfo=UTC)
    decision = BIRTHDAY.decide(bday(month=2, day=29), (), SETTINGS["birthday"], now)
    assert isinstance(decision, Enroll)
    assert decision.due == datetime(2027, 2, 28, 9, tzinfo=UTC)
    leap = datetime(2028, 2, 28, 6, tzinfo=UTC)
    decision = BIRTHDAY.decide(bday(month=2, day=29), (), SETTINGS["birthday"], leap)
    assert decision.due == datetime(2028, 2, 29, 9, tzinfo=UTC)


def test_once_per_calendar_year_even_if_the_date_is_edited() -> None:
    served = PastEnrollment("2026", datetime(2026, 3, 1, tzinfo=UTC), messaged=True, open=False)
    now = datetime(2026, 11, 24, 6, tzinfo=UTC)
    assert BIRTHDAY.decide(bday(), (served,), SETTINGS["birthday"], now) == Skip(
        "already_this_year"
    )
    next_year = datetime(2027, 11, 24, 6, tzinfo=UTC)
    assert isinstance(BIRTHDAY.decide(bday(), (served,), SETTINGS["birthday"], next_year), Enroll)


def test_an_edited_date_moves_the_send_and_a_passed_one_exits() -> None:
    settings, context = SETTINGS["birthday"], {"year": 2026}
    now = datetime(2026, 11, 24, 6, tzinfo=UTC)
    moved = BIRTHDAY.evaluate(0, bday(month=12, day=5), settings, context, now)
    assert moved == Due(datetime(2026, 12, 5, 9, tzinfo=UTC))
    assert BIRTHDAY.evaluate(0, bday(month=11, day=20), settings, context, now) == Exit(
        "birthday_passed"
    )
    # Deferred overnight (quiet hours): still sent the morning after.
    late = datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert isinstance(BIRTHDAY.evaluate(0, bday(), settings, context, late), Due)
    assert BIRTHDAY.compose(0, bday(), settings, context).discount == "issue"
