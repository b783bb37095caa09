"""Installing Nudge on a sandbox shop: token exchange (managed install) and authorization code."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.db.models import AuditEntry, Cart, Customer, Order, Product
from connectors.shopify.subscriptions import TOPICS
from tests.e2e.shopify_stack import ShopifyStack

pytestmark = pytest.mark.slow


def seed_catalog_and_shoppers(stack: ShopifyStack, domain: str) -> dict[str, int]:
    collection = stack.seed(domain, "collections", {"title": "Mugs", "handle": "mugs"})
    product = stack.seed(
        domain,
        "products",
        {
            "title": "Blue mug",
            "variants": [
                {"title": "Small", "price": "12.00", "inventory_quantity": 4, "sku": "MUG-S"},
                {"title": "Large", "price": "15.00", "inventory_quantity": 0},
            ],
            "images": [{"src": "https://cdn.example/mug.png"}],
            "collections": [collection["id"]],
        },
    )
    customer = stack.seed(
        domain,
        "customers",
        {
            "email": "ada@example.com",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email_marketing_consent": {"state": "subscribed", "opt_in_level": "single_opt_in"},
            "birth_date": "1990-12-10",
            "locale": "fr",
            "tags": ["vip"],
            "time_zone": "America/Chicago",
        },
    )
    variant_id = product["variants"][0]["id"]
    stack.seed(
        domain,
        "orders",
        {
            "email": "ada@example.com",
            "customer_id": customer["id"],
            "line_items": [{"variant_id": variant_id, "quantity": 2}],
            "financial_status": "paid",
        },
    )
    # GraphQL's AbandonedCheckout has no email field: the address comes with its customer.
    stack.seed(
        domain,
        "checkouts",
        {"email": "ada@example.com", "line_items": [{"variant_id": variant_id, "quantity": 1}]},
    )
    return {"product": product["id"], "customer": customer["id"]}


def test_first_app_home_load_exchanges_the_token_sets_up_and_backfills(stack: ShopifyStack):
    domain = stack.create_shop("mugs-and-more")
    seeded = seed_catalog_and_shoppers(stack, domain)

    page = stack.open_app(domain)

    assert page.status_code == 200, page.text
    assert "Nudge is connected" in page.text
    assert "frame-ancestors" in page.headers["Content-Security-Policy"]
    store = stack.store(domain)
    assert store is not None and store.status == "active" and store.key
    credentials = store.get_credentials(stack.runtime.cipher)
    assert credentials["access_token"].startswith("shpat_")
    assert credentials["refresh_token"] and credentials["expires_at"]
    assert credentials["access_token"].encode() not in bytes(store.credentials_encrypted)
    assert stack.operation_count(domain, "oauth token-exchange") == 1

    stack.settle()

    store = stack.store(domain)
    assert store is not None
    assert store.name == "Mugs And More" and store.timezone == "Europe/Paris"
    assert all(
        store.sync_state[name]["done"] for name in ("customers", "products", "orders", "carts")
    )
    subscriptions = stack.sandbox_call("GET", f"/shops/{domain}/app-activity")[
        "webhook_subscriptions"
    ]
    assert len(subscriptions) == len(TOPICS)
    assert {sub["uri"] for sub in subscriptions} == {stack.app_url + "/webhooks/shopify"}
    with stack.database.session() as session:
        customer = session.execute(
            select(Customer).where(Customer.platform_id == str(seeded["customer"]))
        ).scalar_one()
        assert customer.email == "ada@example.com" and customer.consent == "subscribed"
        assert (customer.birth_month, customer.birth_day, customer.birth_year) == (12, 10, 1990)
        assert customer.locale == "fr" and customer.tags == ["vip"]
        assert customer.timezone == "America/Chicago"
        product = session.execute(select(Product)).scalar_one()
        assert product.platform_id == str(seeded["product"]) and product.collections == ["mugs"]
        assert [v.inventory_quantity for v in product.variants] == [4, 0]
        assert product.image_url == "https://cdn.example/mug.png"
        order = session.execute(select(Order)).scalar_one()
        assert order.customer_id == customer.id and order.financial_status == "paid"
        checkout = session.execute(select(Cart)).scalar_one()
        assert checkout.kind == "checkout" and checkout.email == "ada@example.com"
        assert checkout.customer_id == customer.id and checkout.completed_at is None
        assert checkout.recovery_url and "/recover" in checkout.recovery_url
        actions = session.execute(select(AuditEntry.action)).scalars().all()
        assert "store.installed" in actions

    # The second load finds the shop connected: no second exchange.
    assert stack.open_app(domain).status_code == 200
    assert stack.operation_count(domain, "oauth token-exchange") == 1


def test_app_home_without_a_valid_session_token_is_refused(stack: ShopifyStack):
    domain = stack.create_shop("no-token")
    # A document load without id_token goes to the patch-id-token page (App Bridge adds one).
    response = stack.http.get("/shopify", params={"shop": domain})
    assert response.status_code == 302
    assert "/shopify/patch-id-token" in response.headers["Location"]
    forged = stack.http.get("/shopify", headers={"Authorization": "Bearer not-a-jwt"})
    assert forged.status_code == 401
    signed = stack.sandbox_call("GET", f"/shops/{domain}/open-app", params={"format": "json"})
    tampered = signed["url"].replace("locale=en", "locale=fr")
    assert stack.http.get(tampered).status_code == 401  # the query HMAC no longer matches
    assert stack.store(domain) is None


def test_install_by_authorization_code(stack: ShopifyStack):
    domain = stack.create_shop("classic-install", installed=False)

    start = stack.http.get("/shopify/install", params={"shop": domain})
    assert start.status_code == 302
    authorize = start.headers["Location"]
    assert authorize.startswith(f"{stack.sandbox_url}/shops/{domain}/admin/oauth/authorize?")
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    assert len(state) == 64 and int(state, 16) >= 0

    approved = stack.control.get(authorize)  # the merchant approves; Shopify redirects back
    assert approved.status_code == 302
    callback = approved.headers["Location"]
    assert callback.startswith(stack.app_url + "/shopify/callback?")

    done = stack.http.get(callback)  # carries the signed state cookie set by /install
    assert done.status_code == 302, done.text
    assert done.headers["Location"].endswith(
        f"/shops/{domain}/admin/apps/{stack.runtime.settings.shopify_api_key}"
    )
    store = stack.store(domain)
    assert store is not None and store.status == "active"
    assert store.get_credentials(stack.runtime.cipher)["refresh_token"]
    stack.settle()
    assert stack.store(domain).sync_state["customers"]["done"]


def test_authorization_code_callback_checks(stack: ShopifyStack):
    domain = stack.create_shop("careful", installed=False)
    start = stack.http.get("/shopify/install", params={"shop": domain})
    approved = stack.control.get(start.headers["Location"])
    callback = approved.headers["Location"]
    query = parse_qs(urlsplit(callback).query)

    def call(**changes: str) -> int:
        params = {key: values[0] for key, values in query.items()} | changes
        return stack.http.get("/shopify/callback", params=params).status_code

    assert call(hmac="0" * 64) == 401
    assert call(shop="evil.example.com") == 400
    assert call(code="") == 400
    stack.http.cookies.clear()
    assert call() == 403  # no state cookie: not the browser that started the install
    assert stack.store(domain) is None
    assert (
        stack.http.get("/shopify/install", params={"shop": "https://evil.com"}).status_code == 400
    )
