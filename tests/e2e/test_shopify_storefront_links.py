"""Product links in emails for a Shopify shop with its own domain: product webhooks carry no
URL, so product blocks and cart lines link `<primary domain>/products/<handle>`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core.facts import load_basket
from app.core.recommend import product_block
from app.core.store_settings import branding_for
from app.db.models import Cart, Product, Store
from tests.e2e.shopify_stack import ShopifyStack

pytestmark = pytest.mark.slow

HOME = "https://mugs.example.com"


def test_links_use_the_primary_domain_when_webhooks_carry_no_url(stack: ShopifyStack):
    domain = stack.create_shop("mugs-links", primary_domain="mugs.example.com")
    seeded = stack.seed(
        domain,
        "products",
        {
            "title": "Blue mug",
            "handle": "blue-mug",
            "variants": [{"price": "12.00", "inventory_quantity": 5}],
            "images": [{"src": "https://cdn.example/mug.png"}],
        },
    )
    assert stack.open_app(domain).status_code == 200
    stack.settle()
    store = stack.store(domain)
    assert store is not None and store.storefront_url == HOME
    assert branding_for(store).store_url == HOME
    with stack.database.session() as session:
        backfilled = session.execute(select(Product.url)).scalar_one()
    assert backfilled == f"{HOME}/products/blue-mug"  # GraphQL's onlineStoreUrl

    # products/update and carts/create are REST-shaped: no product URL anywhere in them.
    stack.sandbox_call("PATCH", f"/shops/{domain}/products/{seeded['id']}", json={"title": "Mug"})
    variant_id = seeded["variants"][0]["id"]
    cart = stack.seed(domain, "carts", {"line_items": [{"variant_id": variant_id, "quantity": 2}]})
    stack.settle()

    with stack.database.session() as session:
        store = session.get(Store, store.id)
        assert store is not None
        product = session.execute(
            select(Product).options(selectinload(Product.variants))
        ).scalar_one()
        assert product.title == "Mug" and product.url is None
        assert product_block(store, product).url == f"{HOME}/products/blue-mug"
        row = session.execute(select(Cart)).scalar_one()
        assert row.platform_token == cart["token"] and not row.lines[0].get("url")
        basket = load_basket(session, store, row.platform_token, datetime.now(UTC))
        assert basket is not None
        assert [line.url for line in basket.lines] == [f"{HOME}/products/blue-mug"]
