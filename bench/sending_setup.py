"""The sending benchmark's world: sandbox SendGrid and a sandbox WooCommerce or Shopify store
served on loopback (each behind a request counter), and a store with EMAILS shoppers whose
abandoned-cart email (the one with the code) is due now.

Rows are written with Core `insert(...)` lists, not the event path: building the audience is
not what is measured. They mirror what `enrollment._enrollment_values` writes (the settings
snapshot included), so `engine.run_step` cannot tell them from real enrollments.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert, select

from app.core.configs import save_config, settings_snapshot, store_configs
from app.db.models import Cart, Customer, Enrollment, Product, Store, Variant
from app.runtime import Runtime
from bench.codes import API_KEY, API_SECRET, CountingApp, _shopify_token
from sandbox.sendgrid import SandboxConfig as SendGridConfig
from sandbox.sendgrid import create_app as create_sendgrid_app
from sandbox.sendgrid import sandbox_state
from sandbox.serving import ServerThread
from sandbox.shopify import create_app as create_shopify_app
from sandbox.woocommerce import create_app as create_woo_app

SENDGRID_KEY = "SG.bench-sending-key"
BRANDING = {
    "sender_email": "hello@bench.example",
    "sender_name": "Bench Outfitters",
    "postal_address": "1 Bench Street\nOttawa ON K2P 1L4, Canada",
}
PRODUCTS = 24


@dataclass
class World:
    """The running sandboxes and their counters."""

    sendgrid_url: str
    sendgrid: CountingApp
    store_counter: CountingApp
    store_origin: str
    platform: str
    credentials: dict[str, Any]
    domain: str
    sandboxes: list[Any] = field(default_factory=list)


@contextmanager
def sandboxes(platform: str) -> Iterator[World]:
    """SendGrid plus the store's platform, each on its own loopback port."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with ExitStack() as stack:
        sendgrid_app = create_sendgrid_app(
            SendGridConfig(api_keys=(SENDGRID_KEY,), capacity=50_000)
        )
        stack.callback(sandbox_state(sendgrid_app).close)
        sendgrid = CountingApp(sendgrid_app, "/_sandbox")
        sendgrid_server = stack.enter_context(ServerThread(sendgrid))
        if platform == "shopify":
            world = _shopify(stack, sendgrid_server.url, sendgrid)
        else:
            world = _woocommerce(stack, sendgrid_server.url, sendgrid)
        yield world


def _woocommerce(stack: ExitStack, sendgrid_url: str, sendgrid: CountingApp) -> World:
    app = create_woo_app({"stores": {"bench": {}}})
    stack.callback(app.extensions["woo_deliverer"].stop)
    counter = CountingApp(app, "/_sandbox")
    server = stack.enter_context(ServerThread(counter))
    with httpx.Client(base_url=f"{server.url}/_sandbox", timeout=30) as control:
        key = control.post("/stores/bench/api-keys", json={"permissions": "read_write"}).json()
    store_url = f"{server.url}/bench"
    credentials = {
        "platform": "woocommerce",
        "store_url": store_url,
        "consumer_key": key["consumer_key"],
        "consumer_secret": key["consumer_secret"],
        "webhook_secret": secrets.token_hex(16),
    }
    return World(sendgrid_url, sendgrid, counter, server.url, "woocommerce", credentials, store_url)


def _shopify(stack: ExitStack, sendgrid_url: str, sendgrid: CountingApp) -> World:
    app = create_shopify_app(
        {"api_key": API_KEY, "api_secret": API_SECRET, "app_url": "https://app.example"}
    )
    stack.callback(app.extensions["shopify_sandbox"].close)
    counter = CountingApp(app, "/sandbox")
    server = stack.enter_context(ServerThread(counter))
    with httpx.Client(base_url=server.url, timeout=30) as http:
        created = http.post("/sandbox/shops", json={"domain": "bench-send", "installed": True})
        domain = str(created.json()["domain"])
        credentials = _shopify_token(http, domain).to_credentials()
    return World(sendgrid_url, sendgrid, counter, server.url, "shopify", credentials, domain)


def worker_environment(world: World, database_url: str, redis_url: str) -> dict[str, str]:
    """The settings the workers (and the benchmark's own Runtime) read."""
    from cryptography.fernet import Fernet

    return {
        "SECRET_KEY": "bench-sending-secret-key-0123456789",
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "APP_URL": "https://nudge.bench.example",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MAIL_BACKEND": "sendgrid",
        "SENDGRID_API_KEY": SENDGRID_KEY,
        "SENDGRID_API_HOST": world.sendgrid_url,
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        "SHOPIFY_ADMIN_ORIGIN": world.store_origin,
        "WOOCOMMERCE_ALLOW_PRIVATE_STORES": "true",
        "LOG_LEVEL": "WARNING",
    }


def _noon_zone(now: datetime) -> str:
    """An Etc/GMT zone where it is early afternoon now (no quiet hours in the way)."""
    offset = 13 - now.hour  # local = UTC + offset
    offset = (offset + 12) % 24 - 12
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"


def create_store(runtime: Runtime, world: World, emails: int) -> int:
    """The store, its abandoned-cart recipe (code in the first email, no holdout), products,
    and `emails` shoppers with a due enrollment each; returns the store id."""
    now = datetime.now(UTC)
    with runtime.db.session_scope() as session:
        store = Store(
            platform=world.platform,
            domain=world.domain if world.platform == "shopify" else f"bench-{secrets.token_hex(4)}",
            key=secrets.token_hex(12),
            status="active",
            name="Bench Outfitters",
            timezone=_noon_zone(now),
            currency="USD",
            settings=BRANDING,
            storefront_url="https://shop.bench.example",
            credentials_encrypted=runtime.cipher.encrypt(world.credentials),
        )
        session.add(store)
        session.flush()
        save_config(
            session,
            store,
            "abandoned_cart",
            {"holdout_percent": 0, "discount_step": 1, "discount_first_time_only": False},
            enabled=True,
        )
        session.flush()
        config = store_configs(session, store)["abandoned_cart"]
        _catalog(session, store.id, now)
        _shoppers(session, store.id, config, emails, now)
        return int(store.id)


def _catalog(session: Any, store_id: int, now: datetime) -> None:
    session.execute(
        insert(Product),
        [
            {
                "store_id": store_id,
                "platform_id": f"p{index}",
                "title": f"Trail Shoe {index}",
                "handle": f"trail-shoe-{index}",
                "url": f"https://shop.bench.example/products/trail-shoe-{index}",
                "image_url": f"https://cdn.bench.example/shoe-{index}.jpg",
                "status": "active",
                "collections": ["shoes"],
                "tags": [],
                "created_at": now,
                "updated_at": now,
            }
            for index in range(PRODUCTS)
        ],
    )
    ids = dict(
        session.execute(
            select(Product.platform_id, Product.id).where(Product.store_id == store_id)
        ).all()
    )
    session.execute(
        insert(Variant),
        [
            {
                "store_id": store_id,
                "product_id": product_id,
                "platform_id": f"v-{platform_id}",
                "title": "42",
                "price": 89,
                "inventory_quantity": 100,
                "available": True,
                "position": 0,
                "created_at": now,
                "updated_at": now,
            }
            for platform_id, product_id in ids.items()
        ],
    )


def _shoppers(session: Any, store_id: int, config: Any, emails: int, now: datetime) -> None:
    idle = now - timedelta(hours=2)
    session.execute(
        insert(Customer),
        [
            {
                "store_id": store_id,
                "platform_id": f"c{index}",
                "email": f"shopper{index}@bench.example",
                "first_name": f"Ada{index}",
                "consent": "subscribed",
                "tags": [],
                "orders_count": 0,
                "total_spent": 0,
                "created_at": now,
                "updated_at": now,
            }
            for index in range(emails)
        ],
    )
    customers = dict(
        session.execute(
            select(Customer.platform_id, Customer.id).where(Customer.store_id == store_id)
        ).all()
    )
    session.execute(
        insert(Cart), [_cart(store_id, customers[f"c{i}"], i, idle) for i in range(emails)]
    )
    snapshot = settings_snapshot("abandoned_cart", config.settings)
    context = {"since": idle.isoformat(), "first_time": True, "settings": snapshot}
    session.execute(
        insert(Enrollment),
        [
            {
                "store_id": store_id,
                "recipe": "abandoned_cart",
                "recipe_config_id": config.row.id,
                "config_version": config.row.version,
                "customer_id": customers[f"c{index}"],
                "trigger_ref": f"cart-{index}",
                "state": "active",
                "step": 0,
                "attempts": 0,
                "next_run_at": now - timedelta(minutes=1),
                "wait_reason": "scheduled",
                "holdout": False,
                "context": context,
                "created_at": idle,
                "updated_at": idle,
            }
            for index in range(emails)
        ],
    )


def _cart(store_id: int, customer_id: int, index: int, idle: datetime) -> dict[str, Any]:
    lines = [
        {
            "product_id": f"p{(index + offset) % PRODUCTS}",
            "variant_id": f"v-p{(index + offset) % PRODUCTS}",
            "title": f"Trail Shoe {(index + offset) % PRODUCTS}",
            "variant_title": "42",
            "quantity": 1,
            "price": "89.00",
        }
        for offset in (0, 7)
    ]
    return {
        "store_id": store_id,
        "kind": "cart",
        "platform_token": f"cart-{index}",
        "customer_id": customer_id,
        "email": f"shopper{index}@bench.example",
        "lines": lines,
        "subtotal_price": 178,
        "currency": "USD",
        "recovery_url": f"https://shop.bench.example/cart/recover/{index}",
        "platform_updated_at": idle,
        "created_at": idle,
        "updated_at": idle,
    }
