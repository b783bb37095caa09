"""The admin in headless Chromium: sign in with a login link, visit every page, use it.

Runs the real app on a ServerThread over committed rows. Screenshots of every page go to
tests/artifacts/ (ignored by git). Inside-Shopify pages load App Bridge from Shopify's CDN,
which tests cannot reach: the route below serves a stand-in `window.shopify` whose idToken()
mints real session tokens, so the page's own code (token on every request) is what is tested.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app import create_app
from app.core.progress import record_progress
from app.db import Database
from app.db.base import utcnow
from app.db.models import (
    Attribution,
    Cart,
    Customer,
    Message,
    RecipeConfig,
    Store,
    Suppression,
)
from app.runtime import Runtime
from app.web.admin.login_links import mint_login_link
from sandbox.serving import ServerThread
from tests.admin_data import (
    API_SECRET,
    POSTAL_ADDRESS,
    make_code,
    make_customer,
    make_enrollment,
    make_message,
    make_order,
    make_recipe_config,
    session_token,
)
from tests.factories import make_store
from tests.sendgrid_support import API_KEY, running_sandbox
from workers import runtime as worker_runtime
from workers.queues import BULK, JobQueues
from workers.serializer import JobSerializer

playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOP = "alpha-outfitters.myshopify.com"
RECIPE_MIX = ("abandoned_cart", "abandoned_cart", "product_interest", "cross_sell", "birthday")


@dataclass
class Live:
    url: str
    database: Database
    woo_id: int
    shop_id: int
    customer_id: int
    settings: object
    runtime: Runtime
    sendgrid: object


def seed(database: Database) -> tuple[int, int, int]:
    """A WooCommerce store with a month of activity, and a Shopify store."""
    now = utcnow()
    with database.session_scope() as session:
        woo = make_store(
            session, platform="woocommerce", domain="alpha-outfitters.example",
            name="Alpha Outfitters", email="owner@alpha.test", timezone="Europe/London",
            last_event_at=now - timedelta(minutes=12), credentials_encrypted=b"x",
            credentials_updated_at=now - timedelta(hours=3),
            sync_state={"webhooks": {"recorded_at": now.isoformat(), "subscriptions": [
                {"topic": "order.updated", "status": "active"},
                {"topic": "customer.updated", "status": "active"},
            ]}},
        )  # fmt: skip
        shop = make_store(
            session, domain=SHOP, name="Alpha on Shopify", email="owner@alpha-shop.test",
            settings={"postal_address": POSTAL_ADDRESS, "accent_color": "#5c6ac4"},
        )  # fmt: skip
        seed_shop_carts(session, shop, now)
        customers = [
            make_customer(session, woo, email=f"{name.lower()}@example.com", first_name=name)
            for name in ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald")
        ]
        for day in range(30):
            for index, recipe in enumerate(RECIPE_MIX[: 1 + (day * 7) % 5]):
                customer = customers[(day + index) % len(customers)]
                sent = now - timedelta(days=day, hours=index)
                message = make_message(
                    session, woo, customer, recipe=recipe, step=index % 3, sent_at=sent,
                    created_at=sent - timedelta(minutes=1),
                    delivered_at=sent, opened_at=sent if index % 2 == 0 else None,
                    clicked_at=sent if index == 0 and day % 3 == 0 else None,
                    status="clicked" if index == 0 and day % 3 == 0 else "delivered",
                    subject=f"{recipe.replace('_', ' ').capitalize()} for {customer.first_name}",
                )  # fmt: skip
                if (day + index) % 3 == 0 and day > 0:
                    credit_order(
                        session, woo, message, customer, 35 + (day * 17 + index * 29) % 110
                    )
        ada = customers[0]
        order = make_order(session, woo, name="#1042", email=ada.email)
        code = make_code(session, woo, ada, code="ALPHA-10-QX7", redeemed_order_id=order.id)
        make_message(session, woo, ada, step=1, discount_id=code.id, status="clicked",
                     subject="Your cart is waiting: 10% off inside")  # fmt: skip
        make_enrollment(session, woo, ada, next_run_at=now + timedelta(hours=3))
        make_enrollment(session, woo, customers[1], wait_reason="quiet_hours",
                        next_run_at=now + timedelta(hours=9))  # fmt: skip
        make_enrollment(session, woo, customers[2], recipe="birthday", wait_reason="frequency_cap")
        make_enrollment(session, woo, customers[3], recipe="cross_sell", holdout=True,
                        next_run_at=now + timedelta(days=6))  # fmt: skip
        make_recipe_config(session, woo, "birthday", enabled=True)
        record_progress(session, woo, "backfill", label="Importing past orders", done=1200,
                        total=5000, message="orders")  # fmt: skip
        return woo.id, shop.id, ada.id


def credit_order(session, store: Store, message, customer, amount: int) -> None:
    """An order the message earned (its credit, as attribution records it)."""
    placed = message.sent_at + timedelta(hours=3)
    order = make_order(session, store, customer_id=customer.id, email=customer.email,
                       total_price=Decimal(amount), placed_at=placed)  # fmt: skip
    session.add(
        Attribution(
            store_id=store.id, order_id=order.id, message_id=message.id,
            customer_id=customer.id, recipe=message.recipe, step=message.step, reason="click",
            revenue=order.total_price, placed_at=placed,
        )
    )  # fmt: skip


def seed_shop_carts(session, shop: Store, now) -> None:
    """Shoppers of the Shopify store who left carts this week (what the preview and the dry
    run show)."""
    for number, (name, days) in enumerate((("Ada", 1), ("Grace", 3), ("Alan", 5))):
        shopper = make_customer(session, shop, email=f"{name.lower()}@shopper.test",
                                first_name=name)  # fmt: skip
        session.add(
            Cart(
                store_id=shop.id, kind="checkout", platform_token=f"tok-{number}",
                cart_token=f"tok-{number}", customer_id=shopper.id, email=shopper.email,
                lines=[{"product_id": f"p{number}", "title": "Trail Shoe", "price": "80.00",
                        "quantity": 1, "url": "https://alpha-outfitters.example/p/trail-shoe",
                        "variant_title": "Blue / 42"}],
                subtotal_price=80, currency="USD",
                recovery_url=f"https://alpha-outfitters.example/recover/tok-{number}",
                platform_updated_at=now - timedelta(days=days),
            )
        )  # fmt: skip


@pytest.fixture(scope="module")
def sendgrid():
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def live(settings, committed_db, redis_client, sendgrid) -> Iterator[Live]:
    sendgrid.control("POST", "/reset")
    browser_settings = replace(
        settings, app_url="http://127.0.0.1", shopify_api_secret=API_SECRET,
        sendgrid_api_host=sendgrid.url, sendgrid_api_key=API_KEY,
    )  # fmt: skip
    runtime = Runtime(browser_settings, database=committed_db)
    app = create_app(runtime=runtime)
    woo_id, shop_id, customer_id = seed(committed_db)
    worker_runtime.install(runtime)  # the dry run's job runs in this process (burst worker)
    with ServerThread(app) as server:
        yield Live(
            server.url, committed_db, woo_id, shop_id, customer_id, browser_settings, runtime,
            sendgrid,
        )  # fmt: skip
    worker_runtime.install(None)


@pytest.fixture
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shoot(page, name: str, part: str | None = None) -> None:
    """A screenshot of the whole page, or of one part of it (`part`: a CSS selector).

    The window is made as tall as the page first: Chromium's full-page capture leaves frames
    drawn in another process (the sandboxed email previews) blank below the first screen.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = str(ARTIFACTS / f"admin-{name}.png")
    if part is not None:
        page.locator(part).screenshot(path=path)
        return
    viewport = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    page.wait_for_timeout(300)
    page.screenshot(path=path)
    page.set_viewport_size(viewport)


#: What the browser gets for any image on the internet (emails show the store's product photos;
#: tests stay on loopback): a grey square.
PLACEHOLDER_IMAGE = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96">'
    '<rect width="96" height="96" rx="6" fill="#e5e7eb"/></svg>'
)


def offline(context) -> None:
    """Answer the emails' remote images locally instead of reaching for the internet."""
    context.route(
        re.compile(r"^https://(?!cdn\.shopify\.com/)"),
        lambda route: route.fulfill(content_type="image/svg+xml", body=PLACEHOLDER_IMAGE),
    )


def login_link(live: Live, store_id: int) -> str:
    with live.database.session_scope() as session:
        store = session.get(Store, store_id)
        return mint_login_link(store, secret_key=live.settings.secret_key, app_url=live.url)


def test_a_merchant_signs_in_and_uses_every_page(live: Live, browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    offline(context)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            # The refused switch (409) and settings form (422) below are on purpose; the
            # browser logs those statuses.
            and "status of 422" not in message.text
            and "status of 409" not in message.text
            and errors.append(message.text)
        ),
    )

    page.goto(login_link(live, live.woo_id))
    shoot(page, "login")
    page.get_by_role("button", name="Continue to Nudge").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.get_by_role("heading", name="Home").is_visible()
    assert "Alpha Outfitters" in page.locator(".topbar").inner_text()
    assert page.locator("svg.chart rect title").count() > 20
    assert "Revenue attributed per day" in page.locator("svg.chart title").first.text_content()
    assert page.locator("svg.chart rect title").first.text_content().split(": ")[1].startswith("$")
    shoot(page, "home")

    # The backfill finishes while the page is open: the poller shows it without a reload.
    with live.database.session_scope() as session:
        woo = session.get(Store, live.woo_id)
        record_progress(
            session, woo, "backfill", label="Importing past orders", done=5000, total=5000,
            state="done",
        )  # fmt: skip
    page.locator("[data-progress-state]").filter(has_text="Done").wait_for(timeout=10_000)

    page.get_by_role("link", name="Recipes").click()
    card = page.locator("#abandoned_cart")
    assert card.locator(".badge").inner_text() == "Off"
    shoot(page, "recipes")
    card.get_by_role("button", name="Turn on").click()
    # No postal address yet: refused, with what to do about it.
    page.get_by_text("The recipe was not turned on.").wait_for()
    assert "Add your postal address in Settings" in page.locator(".banner--critical").inner_text()
    assert page.locator("#abandoned_cart .badge").inner_text() == "Off"
    assert abandoned_cart_config(live) is None
    shoot(page, "recipes-refused")

    page.get_by_role("link", name="Activity").click()
    assert page.get_by_text("ALPHA-10-QX7").is_visible() and page.get_by_text("#1042").is_visible()
    shoot(page, "activity")
    page.get_by_placeholder("Search by email, subject or code").fill("alpha-10")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=alpha-10"))
    assert page.locator("tbody tr").count() == 1
    page.get_by_role("link", name="Scheduled").click()
    page.get_by_text("Deferred by quiet hours").wait_for()
    assert page.get_by_text("In holdout: gets no email").is_visible()
    shoot(page, "activity-scheduled")

    page.get_by_role("link", name="Customers").first.click()
    shoot(page, "customers")
    page.get_by_role("link", name="ada@example.com").click()
    shoot(page, "customer")
    page.get_by_role("button", name="Unsubscribe from marketing").click()
    page.get_by_text("Customer unsubscribed.").wait_for()
    assert page.get_by_role("button", name="Unsubscribe from marketing").is_disabled()
    with live.database.session_scope() as session:
        assert session.get(Customer, live.customer_id).consent == "unsubscribed"
        assert session.scalars(select(Suppression.email)).all() == ["ada@example.com"]
    shoot(page, "customer-unsubscribed")

    # Erasing asks first, then removes the personal data (app/core/privacy.py).
    page.get_by_role("link", name="Erase customer data").click()
    page.get_by_role("heading", name="Erase this customer's data?").wait_for()
    shoot(page, "customer-erase")
    page.get_by_label("Type ada@example.com to confirm").fill("ada@example.com")
    page.get_by_role("button", name="Erase customer data").click()
    page.get_by_text("Customer erased.").wait_for()
    with live.database.session_scope() as session:
        erased = session.get(Customer, live.customer_id)
        assert erased.redacted_at is not None and erased.email is None
        # The address is gone; the opt-out stays as a digest (never emailed again).
        kept = session.scalars(select(Suppression.email)).all()
        assert all(value.startswith("erased:") for value in kept)

    page.get_by_role("link", name="Settings").click()
    shoot(page, "settings")
    page.get_by_role("button", name="Copy").click()
    page.get_by_role("button", name="Copied").wait_for()
    assert "/t/woo.js?k=" in page.evaluate("navigator.clipboard.readText()")
    page.locator("#accent_color").fill("orange")
    page.locator("#frequency_cap_hours").fill("500")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("2 settings need fixing.").wait_for()
    assert page.locator("#accent_color-error").inner_text().endswith("for example #008060.")
    shoot(page, "settings-errors")
    page.locator("#accent_color").fill("#ff6600")
    page.locator("#frequency_cap_hours").fill("24")
    page.locator("#postal_address").fill("1 Alpha Street\nLondon N1 9GU\nUnited Kingdom")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Settings saved.").wait_for()
    with live.database.session_scope() as session:
        saved = session.get(Store, live.woo_id).settings
        assert saved["accent_color"] == "#ff6600" and saved["frequency_cap_hours"] == 24

    # With the address in place, the recipe turns on.
    page.get_by_role("link", name="Recipes").click()
    page.locator("#abandoned_cart").get_by_role("button", name="Turn on").click()
    page.get_by_text("Recipe turned on.").wait_for()
    assert page.locator("#abandoned_cart .badge").inner_text() == "On"
    assert abandoned_cart_config(live, live.woo_id).enabled
    shoot(page, "recipes-after-toggle")

    # The editor outside Shopify: a store without carts previews the sample shopper, live.
    page.locator("#abandoned_cart").get_by_role("link", name="Edit").click()
    page.get_by_role("heading", name="Abandoned cart", exact=True).wait_for()
    page.locator("#email-0 [data-preview-source]").filter(has_text="sample customer").wait_for()
    page.locator("#subject-0").fill("Hello {{ first_name }} from {{ store.name }}")
    page.locator("#email-0 [data-preview-subject]").filter(
        has_text="Hello Ada from Alpha Outfitters"
    ).wait_for()
    page.frame_locator("iframe[name=preview-0]").get_by_text("Trail Runner").first.wait_for()
    shoot(page, "recipe-editor")
    assert errors == []
    context.close()


def abandoned_cart_config(live: Live, store_id: int | None = None) -> RecipeConfig | None:
    with live.database.session_scope() as session:
        return session.scalars(
            select(RecipeConfig).where(
                RecipeConfig.store_id == (store_id or live.woo_id),
                RecipeConfig.recipe == "abandoned_cart",
            )
        ).one_or_none()


def embedded_context(browser, issued: list[str], height: int = 860):
    """A browser context where App Bridge is a stand-in whose idToken() mints a real, fresh
    session token each call, as Shopify's does (https://cdn.shopify.com is unreachable here)."""
    context = browser.new_context(viewport={"width": 1280, "height": height})
    offline(context)

    def mint() -> str:
        issued.append(token := session_token(SHOP, secret=API_SECRET))
        return token

    context.expose_function("nudgeTestIdToken", mint)
    context.route(
        "https://cdn.shopify.com/**",
        lambda route: route.fulfill(
            content_type="text/javascript",
            body="window.shopify = {idToken: () => window.nudgeTestIdToken(), toast: {show: "
            "(m) => document.body.setAttribute('data-last-toast', m)}};",
        ),
    )
    return context


def toast(page, start: str) -> None:
    """Wait for App Bridge's toast (the stand-in records the last one) to start with `start`."""
    page.wait_for_function(
        "start => (document.body.getAttribute('data-last-toast') || '').startsWith(start)",
        arg=start,
    )


def open_embedded(live: Live, page, path: str) -> None:
    """Load an admin page as the Shopify admin frames it: shop, host and an id_token."""
    token = session_token(SHOP, secret=API_SECRET)
    page.goto(f"{live.url}{path}?shop={SHOP}&host=YWRtaW4&embedded=1&id_token={token}")


def test_inside_shopify_every_request_carries_a_fresh_session_token(live: Live, browser) -> None:
    issued: list[str] = []
    context = embedded_context(browser, issued)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_embedded(live, page, "/admin/recipes")
    assert page.locator("ui-nav-menu a").count() == 5
    assert page.locator(".sidebar").count() == 0  # Shopify draws the navigation
    shoot(page, "embedded-recipes")

    page.locator("#cross_sell").get_by_role("button", name="Turn on").click()
    page.locator("#cross_sell .badge", has_text="On").wait_for()
    assert page.locator("body").get_attribute("data-last-toast") == "Recipe turned on."
    assert "id_token" not in page.url
    with live.database.session_scope() as session:
        enabled = session.scalars(
            select(RecipeConfig.recipe).where(
                RecipeConfig.store_id == live.shop_id, RecipeConfig.enabled.is_(True)
            )
        ).all()
        assert enabled == ["cross_sell"]

    page.locator("ui-nav-menu a", has_text="Settings").evaluate("link => link.click()")
    page.wait_for_url(re.compile(r"/admin/settings\?.*id_token="))
    assert page.get_by_role("heading", name="Settings").is_visible()
    shoot(page, "embedded-settings")
    assert len(issued) >= 2 and errors == []
    context.close()


def test_inside_shopify_a_merchant_sets_up_abandoned_cart(live: Live, browser) -> None:
    """Enable, change the delay, see a validation error, preview, send a test, dry run."""
    issued: list[str] = []
    context = embedded_context(browser, issued, height=1000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "status of 422" not in message.text  # the refused save below, on purpose
            and errors.append(message.text)
        ),
    )
    open_embedded(live, page, "/admin/recipes")
    page.locator("#abandoned_cart").get_by_role("link", name="Edit").click()
    page.wait_for_url(re.compile(r"/admin/recipes/abandoned_cart\?.*id_token="))
    heading = page.get_by_role("heading", name="Abandoned cart", exact=True)
    assert heading.is_visible()
    # The live preview shows a real shopper's cart, in a sandboxed frame.
    source = page.locator("#email-0 [data-preview-source]")
    source.filter(has_text="shown with ada@shopper.test's data").wait_for()
    preview = page.frame_locator("iframe[name=preview-0]")
    preview.get_by_text("Trail Shoe").first.wait_for()
    shoot(page, "embedded-editor")
    shoot(page, "embedded-editor-email", part="#email-0")

    # Enable.
    page.get_by_role("button", name="Turn on").click()
    page.locator(".page-header .badge", has_text="On").wait_for()
    toast(page, "Recipe turned on.")
    assert abandoned_cart_config(live, live.shop_id).enabled

    # An invalid value is refused next to its input, and nothing is saved.
    page.locator("#idle_minutes").fill("5")
    page.locator("#step_delays_hours").fill("2, 24, 72")
    page.get_by_role("button", name="Save settings").click()
    page.get_by_text("1 setting needs fixing.").wait_for()
    assert page.locator("#idle_minutes-error").inner_text() == "Must be at least 15."
    assert abandoned_cart_config(live, live.shop_id).settings == {}
    shoot(page, "embedded-editor-errors")

    # Change the delay.
    page.locator("#idle_minutes").fill("60")
    page.locator("#step_delays_hours").fill("2, 24, 72")
    page.get_by_role("button", name="Save settings").click()
    toast(page, "Recipe settings saved.")
    saved = abandoned_cart_config(live, live.shop_id)
    assert saved.settings["step_delays_hours"] == [2, 24, 72] and saved.enabled
    assert "2 hours, 1 day and 3 days after" in page.locator(".page-header").inner_text()

    # Edit the first email's copy: the preview follows as one types.
    page.locator("#subject-0").fill("Psst {{ first_name }}, your {{ product.title }} waits")
    page.locator("#email-0 [data-preview-subject]").filter(
        has_text="Psst Ada, your Trail Shoe waits"
    ).wait_for()
    page.locator("#body-0").fill("Still thinking it over, {{ greeting_name }}?")
    preview.get_by_text("Still thinking it over, Ada?").wait_for()
    page.locator("#subject-0").fill("Psst {{ frist_name }}")
    page.locator("[data-problems-for='0.subject']").filter(
        has_text="unknown variable 'frist_name'"
    ).wait_for()
    preview.get_by_text("Fix the template to see the preview").wait_for()
    page.locator("#subject-0").fill("Psst {{ first_name }}, your {{ product.title }} waits")
    preview.get_by_text("Still thinking it over, Ada?").wait_for()
    shoot(page, "embedded-preview", part="#email-0")

    # Send the (unsaved) copy as a test email: it arrives in the sandbox SendGrid.
    page.locator("#test-to-0").fill("merchant@alpha-shop.test")
    page.locator("#email-0").get_by_role("button", name="Send test").click()
    toast(page, "Test email sent.")
    # The unsaved copy is still in the editor after the test.
    assert page.locator("#subject-0").input_value().startswith("Psst {{ first_name }}")
    [mail] = live.sendgrid.control("GET", "/messages").json()["messages"]
    assert mail["email"] == "merchant@alpha-shop.test"
    assert mail["subject"] == "[Test] Psst Ada, your Trail Shoe waits"
    with live.database.session_scope() as session:
        test = session.scalars(select(Message).where(Message.store_id == live.shop_id)).one()
        assert test.idempotency_key.startswith("test:") and test.status == "sent"
    shoot(page, "embedded-test-sent")

    # The dry run: queued, run by a worker, its progress polled, its results drawn.
    page.get_by_role("button", name="Dry run these settings").click()
    toast(page, "Dry run started.")
    assert page.locator("[data-reload-when-finished]").is_visible()
    shoot(page, "embedded-dry-run-started")
    queue = JobQueues(live.runtime.redis).queue(BULK)
    SimpleWorker([queue], connection=live.runtime.redis, serializer=JobSerializer).work(burst=True)
    page.locator("[data-dry-run]").wait_for(timeout=15_000)
    results = page.locator("#dry-run")
    assert "Would enroll" in results.inner_text()
    for shopper in ("ada@shopper.test", "grace@shopper.test", "alan@shopper.test"):
        assert shopper in results.inner_text()
    results.scroll_into_view_if_needed()
    shoot(page, "embedded-dry-run")
    assert len(issued) >= 10 and errors == []
    context.close()
