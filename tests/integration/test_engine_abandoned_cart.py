"""Abandoned cart end to end through the real router, engine and database, with fake ports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.core.configs import save_config
from app.core.values import STORE_KEY_ARG
from app.db.models import RecipeConfig
from tests.factories import make_store
from tests.integration.engine_support import T0, Engine, cart, customer_data, line, order

ADA = customer_data(1)


@pytest.fixture
def engine(session) -> Engine:
    store = make_store(session)  # America/New_York; T0 is 10:00 there
    harness = Engine(session, store)
    harness.enable("abandoned_cart", holdout_percent=0)
    return harness


def sent_to(engine: Engine, customer=ADA):
    return engine.sender.to(customer.email)


def test_first_time_abandoner_gets_three_emails_and_one_code(engine: Engine) -> None:
    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    [enrollment] = engine.enrollments()
    assert enrollment.next_run_at == T0 + timedelta(hours=1)

    assert engine.run_until(T0 + timedelta(minutes=59)) == []
    engine.run_until(T0 + timedelta(days=4))

    emails = sent_to(engine)
    assert len(emails) == 3
    assert [email.custom_args["step"] for email in emails] == ["0", "1", "2"]
    [code] = engine.codes()
    assert code.status == "issued" and code.expires_at == T0 + timedelta(hours=24 + 72)
    assert engine.connector.count("issue_codes") == 1
    assert code.code not in emails[0].text
    assert code.code in emails[1].text and code.code in emails[2].text
    assert "https://shop.test/recover/tok-1" in emails[0].text
    assert emails[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert emails[0].message_id == engine.messages()[0].id
    assert emails[0].custom_args[STORE_KEY_ARG] == engine.store.key
    [enrollment] = engine.enrollments()
    assert enrollment.state == "completed" and enrollment.step == 3
    contexts = engine.renderer.contexts
    assert [context.step for context in contexts] == [0, 1, 2]
    assert contexts[1].code == code.code and contexts[1].discount_label == "10% off"


def test_the_email_shows_the_cart_as_it_is_now(engine: Engine) -> None:
    two = (line("p-shoe", "Trail Shoe"), line("p-sock", "Wool Sock", quantity=2))
    engine.ingest(cart("tok-1", ADA, T0, lines=two), at=T0)
    engine.run_until(T0 + timedelta(hours=2))
    assert "Wool Sock" in sent_to(engine)[0].text

    # The shopper removes the socks; the next step is pushed back by the activity.
    later = T0 + timedelta(hours=3)
    engine.ingest(cart("tok-1", ADA, later, lines=two[:1]), at=later)
    engine.run_until(later + timedelta(hours=23))
    assert len(sent_to(engine)) == 1
    engine.run_until(later + timedelta(hours=24))
    second = sent_to(engine)[1]
    assert "Trail Shoe" in second.text and "Wool Sock" not in second.text


def test_a_cart_emptied_between_steps_exits(engine: Engine) -> None:
    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    engine.run_until(T0 + timedelta(hours=2))
    emptied = T0 + timedelta(hours=5)
    engine.ingest(cart("tok-1", ADA, emptied, lines=()), at=emptied)
    engine.run_until(T0 + timedelta(days=5))
    assert len(sent_to(engine)) == 1
    [enrollment] = engine.enrollments()
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "cart_emptied")
    assert engine.codes() == []


def test_an_order_arriving_between_claim_and_send_stops_the_step(engine: Engine) -> None:
    from app.core.scheduling import claim_due
    from app.core.steps import run_step

    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    engine.now = T0 + timedelta(hours=1)
    [claim] = claim_due(engine.session, engine.now)
    # The order lands while the job waits in the queue (the enrollment is claimed).
    engine.ingest(order("1001", ADA, engine.now, cart_token="tok-1"))
    result = run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    assert (result.outcome, result.detail) == ("exited", "order_placed")
    assert engine.sender.sent == [] and engine.messages() == []


def test_an_order_during_code_issue_stops_the_send(engine: Engine) -> None:
    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    engine.run_until(T0 + timedelta(hours=2))
    engine.connector.hooks["issue_codes"] = lambda: engine.ingest(
        order("1001", ADA, engine.now, checkout_token="tok-1")
    )
    engine.run_until(T0 + timedelta(days=5))
    assert len(sent_to(engine)) == 1  # only the first reminder
    [enrollment] = engine.enrollments()
    assert enrollment.exit_reason == "order_placed"
    assert [message.step for message in engine.messages()] == [0]


def test_an_order_exits_the_series_as_soon_as_it_arrives(engine: Engine) -> None:
    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    engine.ingest(order("1001", ADA, T0 + timedelta(minutes=20)), at=T0 + timedelta(minutes=20))
    [enrollment] = engine.enrollments()
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "order_placed")
    engine.run_until(T0 + timedelta(days=4))
    assert engine.sender.sent == []


def test_repeat_abandoners_get_no_code(engine: Engine) -> None:
    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    engine.run_until(T0 + timedelta(days=4))
    later = T0 + timedelta(days=10)
    engine.ingest(cart("tok-2", ADA, later), at=later)
    engine.run_until(later + timedelta(days=4))
    assert len(sent_to(engine)) == 6
    assert len(engine.codes()) == 1  # from the first series only
    second_series = engine.enrollments()[1]
    assert second_series.context["first_time"] is False


def test_one_series_per_customer_per_24_hours(engine: Engine) -> None:
    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    engine.run_until(T0 + timedelta(hours=2))
    # A new basket 3 hours later replaces the first, but the customer was emailed 2 h ago.
    later = T0 + timedelta(hours=3)
    engine.ingest(cart("tok-2", ADA, later), at=later)
    first, *others = engine.enrollments()
    assert first.exit_reason == "cart_replaced"
    assert others == []
    engine.run_until(T0 + timedelta(days=4))
    assert len(sent_to(engine)) == 1


def test_a_basket_replaced_before_any_email_starts_a_new_series(engine: Engine) -> None:
    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    later = T0 + timedelta(minutes=20)
    engine.ingest(cart("tok-2", ADA, later), at=later)
    first, second = engine.enrollments()
    assert first.exit_reason == "cart_replaced" and second.trigger_ref == "tok-2"
    assert second.context["first_time"] is True


def test_a_cart_and_its_checkout_are_one_basket(engine: Engine) -> None:
    engine.ingest(cart("cart-9", ADA, T0, kind="cart", cart_token=None), at=T0)
    checkout = cart("chk-9", ADA, T0 + timedelta(minutes=5), cart_token="cart-9")
    engine.ingest(checkout, at=T0 + timedelta(minutes=5))
    [enrollment] = engine.enrollments()
    assert enrollment.trigger_ref == "cart-9"
    assert enrollment.next_run_at == T0 + timedelta(minutes=65)


def test_no_marketing_consent_unless_the_merchant_made_it_transactional(engine: Engine) -> None:
    guest = customer_data(2, consent="not_subscribed")
    engine.ingest(cart("tok-1", guest, T0), at=T0)
    assert engine.enrollments() == []

    save_config(engine.session, engine.store, "abandoned_cart", {"consent_mode": "transactional"})
    engine.session.commit()
    engine.ingest(cart("tok-1", guest, T0 + timedelta(minutes=1)), at=T0 + timedelta(minutes=1))
    engine.run_until(T0 + timedelta(hours=2))
    [message] = engine.messages()
    assert message.category == "transactional" and message.status == "sent"
    unsubscribed = customer_data(3, consent="unsubscribed")
    engine.ingest(cart("tok-3", unsubscribed, engine.now), at=engine.now)
    assert [e.customer_id for e in engine.enrollments()] == [message.customer_id]


def test_an_unsubscribe_between_steps_exits(engine: Engine) -> None:
    from app.db.models import Suppression

    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    engine.run_until(T0 + timedelta(hours=2))
    engine.session.add(
        Suppression(store_id=engine.store.id, email=ADA.email, reason="unsubscribed")
    )
    engine.session.commit()
    engine.run_until(T0 + timedelta(days=4))
    assert len(sent_to(engine)) == 1
    assert engine.enrollments()[0].exit_reason == "suppressed_unsubscribed"


def test_a_platform_unsubscribe_exits_at_once(engine: Engine) -> None:
    from app.core.values import CustomerData, CustomerUpserted

    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    gone = CustomerData(
        platform_id=ADA.platform_id,
        email=ADA.email,
        consent="unsubscribed",
        updated_at=T0 + timedelta(minutes=10),
    )
    engine.ingest(CustomerUpserted(gone), at=T0 + timedelta(minutes=10))
    assert engine.enrollments()[0].exit_reason == "unsubscribed"


def test_switching_the_recipe_off_stops_pending_steps(engine: Engine) -> None:
    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    engine.session.execute(update(RecipeConfig).values(enabled=False))
    engine.session.commit()
    engine.run_until(T0 + timedelta(days=4))
    assert engine.sender.sent == []
    assert engine.enrollments()[0].exit_reason == "recipe_disabled"


def test_a_config_change_never_resends_to_people_already_served(engine: Engine) -> None:
    engine.ingest(cart("tok-1", ADA, T0), at=T0)
    engine.run_until(T0 + timedelta(hours=2))
    save_config(engine.session, engine.store, "abandoned_cart", {"step_delays_hours": [1, 48, 96]})
    engine.session.commit()
    # The running series keeps the settings it started with (step 2 at 24 h, not 48 h).
    engine.run_until(T0 + timedelta(hours=25))
    assert len(sent_to(engine)) == 2
    engine.run_until(T0 + timedelta(days=5))
    # The same cart reported again after the change enrolls nobody again.
    engine.ingest(cart("tok-1", ADA, engine.now), at=engine.now)
    engine.run_until(engine.now + timedelta(days=5))
    assert len(sent_to(engine)) == 3
    [enrollment] = engine.enrollments()
    assert enrollment.config_version == 1
