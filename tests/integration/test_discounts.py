"""Codes: store-unique, one parent discount reused per spec, built through the registry."""

from __future__ import annotations

from datetime import timedelta

import pytest

import connectors
from app.core import discounts
from app.core.values import IssuedCode, IssueResult
from app.db.models import IssuedDiscount, RecipeConfig
from tests.factories import make_store
from tests.fakes import FakeStoreConnector
from tests.integration.engine_support import T0, Engine, cart, customer_data
from workers import connections, services


def test_a_colliding_code_is_replaced_by_a_fresh_one(session, monkeypatch) -> None:
    engine = Engine(session, make_store(session))
    engine.enable("abandoned_cart", holdout_percent=0)
    session.add(
        IssuedDiscount(
            store_id=engine.store.id,
            idempotency_key="code:other",
            code="CART-TAKEN22",
            kind="percentage",
            status="issued",
        )
    )
    session.commit()
    names = iter(["CART-TAKEN22", "CART-FRESH333"])
    monkeypatch.setattr(discounts, "generate_code", lambda recipe: next(names))
    ada = customer_data(1)
    engine.ingest(cart("tok-1", ada, T0), at=T0)
    engine.run_until(T0 + timedelta(days=2))
    mine = [code for code in engine.codes() if code.enrollment_id is not None]
    assert [code.code for code in mine] == ["CART-FRESH333"]
    assert "CART-FRESH333" in engine.sender.to(ada.email)[1].text


def test_a_code_the_store_replaced_is_the_one_emailed(session) -> None:
    # WooCommerce: the merchant already has a coupon of that name; the connector made another.
    engine = Engine(session, make_store(session))

    def issue_with_replacement(spec, codes, parent_ref):
        engine.connector.calls.append(("issue_codes", (spec, tuple(codes), parent_ref)))
        replaced = IssuedCode(code=f"{codes[0].code}-2".lower(), platform_ref="coupon-9")
        return IssueResult(parent_ref=None, issued=(replaced,))

    engine.connector.issue_codes = issue_with_replacement  # type: ignore[method-assign]
    engine.enable("abandoned_cart", holdout_percent=0)
    ada = customer_data(1)
    engine.ingest(cart("tok-1", ada, T0), at=T0)
    engine.run_until(T0 + timedelta(days=2))
    [code] = engine.codes()
    assert code.status == "issued" and code.code.endswith("-2") and code.platform_ref == "coupon-9"
    assert code.code in engine.sender.to(ada.email)[1].text


def test_one_parent_discount_per_spec_is_reused(session) -> None:
    engine = Engine(session, make_store(session))
    engine.enable("abandoned_cart", holdout_percent=0)
    for number in (1, 2):
        engine.ingest(cart(f"tok-{number}", customer_data(number), T0), at=T0)
    engine.run_until(T0 + timedelta(days=2))
    parents = [args[2] for name, args in engine.connector.calls if name == "issue_codes"]
    assert parents == [None, "parent-0"]
    config = engine.session.get(RecipeConfig, engine.enrollments()[0].recipe_config_id)
    assert config.discount_parent_ref == "parent-0"
    assert config.discount_parent_fingerprint


def test_store_connector_is_built_through_the_registry(runtime, session, monkeypatch) -> None:
    store = make_store(session)
    session.commit()
    built = FakeStoreConnector()
    monkeypatch.setitem(connections.CONNECTION_FACTORIES, "shopify", lambda rt, st: built)
    assert services.store_connector(store, runtime) is built
    with pytest.raises(connectors.UnknownPlatform):
        services.store_connector(make_store(session, platform="magento"), runtime)
