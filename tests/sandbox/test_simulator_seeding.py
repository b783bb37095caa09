"""Seeding the sandbox stores over real HTTP: the catalog and customers land in the shape the
recipes need, seeding twice duplicates nothing, and a refused seed says why."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.simulator import SimulatorConfig
from sandbox.simulator.control import SimulatorError
from sandbox.simulator.runner import Simulator
from tests.sandbox.simulator_support import Sandboxes, sandboxes


@pytest.fixture(scope="module")
def running() -> Iterator[Sandboxes]:
    with sandboxes() as running:
        yield running


def simulator(running: Sandboxes, name: str) -> Simulator:
    sim = Simulator(SimulatorConfig(seed=11, products=14, customers=20))
    shop = sim.add_shopify(running.stack.shopify_url, name)
    shop.ensure_shop("Sim Shop", "America/New_York")
    store = sim.add_woocommerce(running.stack.woocommerce_url, name)
    store.ensure_store("Sim Store", "Europe/Berlin")
    return sim


def test_the_shopify_shop_gets_the_catalog_and_customers(running: Sandboxes) -> None:
    sim = simulator(running, "seed-shopify")
    try:
        reports = sim.seed()
    finally:
        sim.close()
    assert (reports[0].products_created, reports[0].customers_created) == (14, 20)
    domain = "seed-shopify.myshopify.com"
    products = running.shopify("GET", f"/shops/{domain}/products")
    assert sorted(p["handle"] for p in products) == sorted(p.handle for p in sim.catalog)
    collections = running.shopify("GET", f"/shops/{domain}/collections")
    assert {c["title"] for c in collections} == {p.category for p in sim.catalog}
    for product, spec in zip(
        sorted(products, key=lambda p: p["handle"]),
        sorted(sim.catalog, key=lambda p: p.handle),
        strict=True,
    ):
        variant = product["variants"][0]
        assert (variant["price"], variant["sku"]) == (str(spec.price), spec.sku)
        assert variant["inventory_quantity"] == spec.stock
        assert product["collection_ids"] and product["status"] == "active"
        picture = running.http.get(product["images"][0]["src"])
        assert picture.status_code == 200 and picture.text.startswith("<svg")
    customers = {c["email"]: c for c in running.shopify("GET", f"/shops/{domain}/customers")}
    for person in sim.stores[0].customers:
        record = customers[person.email]
        assert record["email_marketing_consent"]["state"] == person.consent
        assert record["time_zone"] == person.time_zone
        assert record["birth_date"] == (person.birthday.isoformat() if person.birthday else None)


def test_the_woocommerce_store_gets_the_catalog_and_customers(running: Sandboxes) -> None:
    sim = simulator(running, "seed-woo")
    try:
        reports = sim.seed()
    finally:
        sim.close()
    assert (reports[1].products_created, reports[1].customers_created) == (14, 20)
    products = running.woo("GET", "/stores/seed-woo/products")
    by_sku = {p["sku"]: p for p in products}
    for spec in sim.catalog:
        product = by_sku[spec.sku]
        assert product["categories"][0]["name"] == spec.category
        assert product["stock_quantity"] == spec.stock and product["manage_stock"] is True
        assert product["price"] == str(spec.price)
        picture = running.http.get(product["images"][0]["src"])
        assert picture.status_code == 200 and picture.headers["content-type"] == "image/svg+xml"
    customers = {c["email"]: c for c in running.woo("GET", "/stores/seed-woo/customers")}
    for person in sim.stores[1].customers:
        meta = {m["key"]: m["value"] for m in customers[person.email]["meta_data"]}
        assert meta["_nudge_marketing_consent"] == person.consent
        if person.birthday:
            assert meta["_automatewoo_birthday_full"] == person.birthday.isoformat()
        assert customers[person.email]["billing"]["country"] == person.country_code


def test_seeding_again_creates_nothing(running: Sandboxes) -> None:
    first = simulator(running, "seed-twice")
    first.seed()
    first.close()
    again = simulator(running, "seed-twice")
    try:
        reports = again.seed()
    finally:
        again.close()
    assert all(r.products_created == 0 and r.customers_created == 0 for r in reports)
    assert all(r.products_existing == 14 and r.customers_existing == 20 for r in reports)
    shop = running.shopify("GET", "/shops/seed-twice.myshopify.com")
    assert shop["counts"]["products"] == 14 and shop["counts"]["customers"] == 20
    assert len(running.woo("GET", "/stores/seed-twice/customers")) == 20
    # The second simulator knows the seeded ids, so it can shop at once.
    assert len(again.stores[0].variants) == 14 and len(again.stores[1].products) == 14


def test_seeding_a_missing_store_is_refused_and_creates_nothing(running: Sandboxes) -> None:
    sim = Simulator(SimulatorConfig(seed=1, products=3, customers=2))
    sim.add_shopify(running.stack.shopify_url, "no-such-shop")
    sim.add_woocommerce(running.stack.woocommerce_url, "no-such-store")
    try:
        with pytest.raises(SimulatorError, match="404"):
            sim.seed()
        with pytest.raises(SimulatorError, match="404"):
            sim.stores[1].seed()
    finally:
        sim.close()
    shops = [s["domain"] for s in running.shopify("GET", "/shops")]
    assert "no-such-shop.myshopify.com" not in shops
    stores = running.woo("GET", "/stores")
    names = [s.get("slug") for s in (stores if isinstance(stores, list) else stores["stores"])]
    assert "no-such-store" not in names
