"""The dry run replays mirrored data through the recipes and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.preview import preview
from app.core.settings_schema import ConfigError
from app.core.values import Birthday, CustomerUpserted
from app.db.base import utcnow
from app.db.models import Enrollment, IssuedDiscount, Message
from tests.factories import make_store
from tests.integration.engine_support import T0, Engine, cart, customer_data, order

NOW = T0 + timedelta(days=30)
ADA, BOB, CY, DEE = (customer_data(n) for n in (1, 2, 3, 4))


def counts(session) -> tuple[int, int, int]:
    return tuple(
        session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Enrollment, Message, IssuedDiscount)
    )


@pytest.fixture
def mirror(session) -> Engine:
    """Mirrored data only: no recipe is enabled, so nothing was enrolled live."""
    engine = Engine(session, make_store(session))
    cy = customer_data(3, consent="not_subscribed")
    day = timedelta(days=1)
    engine.ingest(cart("tok-a", ADA, T0 + day), at=T0 + day)
    engine.ingest(cart("tok-b", BOB, T0 + 2 * day), at=T0 + 2 * day)
    engine.ingest(order("o-b", BOB, T0 + 2 * day + timedelta(minutes=30), cart_token="tok-b"))
    engine.ingest(cart("tok-c", cy, T0 + 3 * day), at=T0 + 3 * day)
    engine.ingest(cart("tok-d", DEE, NOW - timedelta(hours=2)), at=NOW - timedelta(hours=2))
    return engine


def test_preview_reports_who_would_get_what_and_when(mirror: Engine) -> None:
    session = mirror.session
    before = counts(session)
    report = preview(session, mirror.store, "abandoned_cart", {"holdout_percent": 0}, 30, now=NOW)

    assert report.enrolled == 3
    assert sorted((s.email, s.step, s.code) for s in report.sends) == [
        (ADA.email, 1, False),
        (ADA.email, 2, True),
        (ADA.email, 3, True),
        (DEE.email, 1, False),
    ]
    ada_first = next(s for s in report.sends if s.email == ADA.email and s.step == 1)
    assert ada_first.at == T0 + timedelta(days=1, hours=1)
    assert report.codes == 1 and report.pending == 1
    assert report.exits == {"order_placed": 1}
    assert report.skipped["no_marketing_consent"] == 1
    assert report.notes
    # Nothing written, nothing sent, nothing pending in the session.
    assert counts(session) == before == (0, 0, 0)
    assert not session.new and not session.dirty
    assert mirror.sender.sent == [] and mirror.connector.calls == []


def test_preview_of_a_different_configuration(mirror: Engine) -> None:
    report = preview(
        mirror.session,
        mirror.store,
        "abandoned_cart",
        {"holdout_percent": 0, "step_delays_hours": [2], "discount_step": 1},
        30,
        now=NOW,
    )
    assert sorted((s.email, s.step) for s in report.sends) == [(ADA.email, 1), (DEE.email, 1)]
    assert report.codes == 2


def test_preview_splits_the_holdout_group(mirror: Engine) -> None:
    report = preview(
        mirror.session, mirror.store, "abandoned_cart", {"holdout_percent": 50}, 30, now=NOW
    )
    assert len(report.sends) + len(report.held_out) == 4
    assert report.codes == sum(1 for s in report.sends if s.step == 2)


def test_preview_rejects_invalid_settings_and_ranges(mirror: Engine) -> None:
    with pytest.raises(ConfigError) as caught:
        preview(mirror.session, mirror.store, "abandoned_cart", {"idle_minutes": 1}, now=NOW)
    assert "idle_minutes" in caught.value.errors
    with pytest.raises(ValueError, match="days"):
        preview(mirror.session, mirror.store, "abandoned_cart", {}, 0, now=NOW)


def test_preview_birthdays_and_cross_sell(session) -> None:
    engine = Engine(session, make_store(session, timezone="UTC"))
    engine.ingest(CustomerUpserted(customer_data(5, birthday=Birthday(11, 20))), at=T0)
    report = preview(session, engine.store, "birthday", {"holdout_percent": 0}, 30, now=NOW)
    [send] = report.sends
    assert send.at.date().isoformat() == "2026-11-20" and send.at.hour == 9 and send.code
    cross = preview(session, engine.store, "cross_sell", {"holdout_percent": 0}, 30, now=NOW)
    assert cross.enrolled == 0


def test_flask_recipes_preview_command(app, session) -> None:
    store = make_store(session)
    engine = Engine(session, store, now=utcnow() - timedelta(days=6))
    engine.ingest(cart("tok-a", ADA, engine.now))
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "recipes",
            "preview",
            store.key,
            "abandoned_cart",
            "--days",
            "30",
            "--set",
            "holdout_percent=0",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "emails that would have been sent: 3" in result.output
    assert "unique codes: 1" in result.output
    assert ADA.email in result.output
    bad = runner.invoke(
        args=["recipes", "preview", store.key, "abandoned_cart", "--set", "idle_minutes=1"]
    )
    assert bad.exit_code != 0 and "idle_minutes" in bad.output
    missing = runner.invoke(args=["recipes", "preview", "nope", "abandoned_cart"])
    assert missing.exit_code != 0 and "no store" in missing.output
    assert counts(session) == (0, 0, 0)
