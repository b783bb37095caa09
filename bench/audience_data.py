"""The big store of the audience benchmark, generated in SQL (generate_series), not the ORM.

Full size (`scale=1`): 1,000,000 customers, 200,000 open carts (+100,000 completed),
5,000,000 product views over 180 days, 200,000 orders, 2,000 products, and 1,000,000
enrollments of which 200,000 are waiting (one per open cart) and `DUE` are due now. The data
lives in its own database (`<DATABASE_URL's name>_big`, or BENCH_BIG_DATABASE_URL) and is
reused by the next run when the recorded sizes match, since generating it takes minutes.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import Engine, make_url

from app.config import normalize_database_url
from app.core.configs import settings_of, settings_snapshot
from app.core.recipes import REGISTRY
from app.db.migrations import upgrade_to_head

#: Due enrollments of the tick at full size: a Black Friday backlog, 10 claim statements.
DUE = 2000


@dataclass(frozen=True)
class Sizes:
    """Row counts of the generated store."""

    customers: int
    open_carts: int
    completed_carts: int
    product_views: int
    orders: int
    products: int
    enrollments: int
    due: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        """The sizes at `scale` (1.0 = the issue's figures), never below a workable minimum."""

        def n(full: int, least: int) -> int:
            return max(least, int(full * scale))

        return cls(
            customers=n(1_000_000, 500),
            open_carts=n(200_000, 100),
            completed_carts=n(100_000, 50),
            product_views=n(5_000_000, 2_000),
            orders=n(200_000, 100),
            products=n(2_000, 20),
            enrollments=n(1_000_000, 200),
            due=n(DUE, 20),
        )


def big_database_url(url: str) -> str:
    """The benchmark's own database on the same server: `<name>_big`."""
    parsed = make_url(normalize_database_url(url))
    return parsed.set(database=f"{parsed.database}_big").render_as_string(hide_password=False)


def ensure(url: str, sizes: Sizes, *, log: Any = print) -> tuple[int, bool]:
    """Create the database and its data unless a previous run left the same sizes there.

    Returns (store id, generated now).
    """
    _create_database(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            found = _recorded(conn)
        if found is not None and found[1] == asdict(sizes):
            return found[0], False
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade_to_head(url)
        store_id = _generate(engine, sizes, log)
        return store_id, True
    finally:
        engine.dispose()


def _create_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).first()
            if exists is None:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        admin.dispose()


def _recorded(conn: Connection) -> tuple[int, dict[str, int]] | None:
    exists = conn.execute(text("SELECT to_regclass('public.bench_dataset')")).scalar()
    if exists is None:
        return None
    row = conn.execute(text("SELECT store_id, sizes FROM bench_dataset")).first()
    return (int(row[0]), dict(row[1])) if row is not None else None


def _generate(engine: Engine, sizes: Sizes, log: Any) -> int:
    params = asdict(sizes)
    with engine.begin() as conn:
        store_id = int(
            conn.execute(
                text(
                    "INSERT INTO stores (platform, domain, key, status, name, timezone, currency,"
                    " locale, settings, sync_state, created_at, updated_at, storefront_url)"
                    " VALUES ('shopify', 'big-bench.myshopify.com', 'bigbenchstore0000000000001',"
                    " 'active', 'Big Bench', 'America/New_York', 'USD', 'en', '{}', '{}', now(),"
                    " now(), 'https://big-bench.example') RETURNING id"
                )
            ).scalar_one()
        )
        for name in REGISTRY:
            conn.execute(
                text(
                    "INSERT INTO recipe_configs (store_id, recipe, enabled, settings, version,"
                    " created_at, updated_at) VALUES (:s, :r, true, CAST(:settings AS jsonb), 1,"
                    " now(), now())"
                ),
                {"s": store_id, "r": name, "settings": _json(name)},
            )
    params["s"] = store_id
    for label, statement in _STATEMENTS:
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(text(statement), params)
        log(f"  {label}: {time.perf_counter() - started:.1f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        started = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        log(f"  vacuum analyze: {time.perf_counter() - started:.1f} s")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_dataset (store_id bigint, sizes jsonb)"))
        conn.execute(
            text("INSERT INTO bench_dataset VALUES (:s, CAST(:sizes AS jsonb))"),
            {"s": store_id, "sizes": _dumps(asdict(sizes))},
        )
    return store_id


def _json(recipe: str) -> str:
    return _dumps(settings_snapshot(recipe, settings_of(recipe, None)))


def _dumps(value: Any) -> str:
    import json

    return json.dumps(value)


# Customer g (1..customers) has id g + offset; the statements find the offset themselves, so
# the ids of a fresh database need not start at 1. Product popularity is skewed (random()^3):
# a few products carry most views, lines and carts, as on a real store.
_CUSTOMER = "(SELECT min(id) - 1 FROM customers WHERE store_id = :s)"
_PRODUCT = "(1 + floor(:products * power(random(), 3)))::int"

_STATEMENTS: tuple[tuple[str, str], ...] = (
    (
        "products",
        "INSERT INTO products (store_id, platform_id, title, handle, url, image_url, status,"
        " collections, tags, created_at, updated_at)"
        " SELECT :s, g::text, 'Product ' || g, 'product-' || g,"
        " 'https://big-bench.example/products/product-' || g,"
        " 'https://cdn.example/p' || g || '.jpg', 'active',"
        " jsonb_build_array('collection-' || (g % 20)), '[]', now(), now()"
        " FROM generate_series(1, :products) g",
    ),
    (
        "variants",
        "INSERT INTO variants (store_id, product_id, platform_id, title, price,"
        " inventory_quantity, available, position, created_at, updated_at)"
        " SELECT :s, id, platform_id, 'Default', 25, 100, true, 0, now(), now()"
        " FROM products WHERE store_id = :s",
    ),
    (
        "customers",
        "INSERT INTO customers (store_id, platform_id, email, first_name, consent, birth_month,"
        " birth_day, timezone, tags, orders_count, total_spent, created_at, updated_at)"
        " SELECT :s, g::text, 'shopper' || g || '@example.com', 'Shopper', 'subscribed',"
        " CASE WHEN g % 10 < 6 THEN extract(month FROM d)::int END,"
        " CASE WHEN g % 10 < 6 THEN extract(day FROM d)::int END,"
        " CASE g % 4 WHEN 0 THEN 'America/New_York' WHEN 1 THEN 'Europe/Paris'"
        " WHEN 2 THEN 'Asia/Tokyo' END, '[]', 0, 0, now(), now()"
        " FROM generate_series(1::bigint, :customers) g,"
        " LATERAL (SELECT date '2000-01-01' + (g * 7919 % 366)::int AS d) birthday",
    ),
    (
        "orders",
        "INSERT INTO orders (store_id, platform_id, customer_id, email, currency, subtotal_price,"
        " total_price, discount_codes, financial_status, placed_at, paid_at, created_at,"
        " updated_at)"
        f" SELECT :s, g::text, c + {_CUSTOMER}, 'shopper' || c || '@example.com', 'USD', 50, 50,"
        " '[]', 'paid', t, t, now(), now()"
        " FROM generate_series(1::bigint, :orders) g,"
        " LATERAL (SELECT 1 + (g * 104729 % :customers) AS c,"
        " now() - (g % 259200) * interval '1 minute' AS t) o",
    ),
    (
        "order lines",
        "INSERT INTO order_lines (store_id, order_id, product_platform_id, variant_platform_id,"
        " title, quantity, price)"
        f" SELECT :s, o.id, p::text, p::text, 'Product ' || p, 1, 25"
        " FROM orders o, generate_series(1, 2) n,"
        f" LATERAL (SELECT {_PRODUCT} + (o.id + n) * 0 AS p) x"
        " WHERE o.store_id = :s",
    ),
    (
        "carts",
        "INSERT INTO carts (store_id, kind, platform_token, customer_id, email, lines,"
        " subtotal_price, currency, recovery_url, platform_updated_at, completed_at,"
        " created_at, updated_at)"
        f" SELECT :s, 'cart', 'cart-' || g, c + {_CUSTOMER}, 'shopper' || c || '@example.com',"
        " jsonb_build_array(jsonb_build_object('product_id', p::text, 'variant_id', p::text,"
        " 'title', 'Product ' || p, 'quantity', 1, 'price', '25.00')), 25, 'USD',"
        " 'https://big-bench.example/cart/' || g, now() - (g % 10080) * interval '1 minute',"
        " CASE WHEN g > :open_carts THEN now() END, now(), now()"
        " FROM generate_series(1::bigint, :open_carts + :completed_carts) g,"
        f" LATERAL (SELECT 1 + (g * 7907 % :customers) AS c, {_PRODUCT} + g * 0 AS p) x",
    ),
    (
        "product views",
        # Views come in runs of 3 by one visitor on one product within a few hours, so
        # "viewed twice in 7 days" happens; 70 % of the visitors are identified customers.
        "INSERT INTO product_views (store_id, visitor_id, customer_id, product_platform_id,"
        " viewed_at)"
        f" SELECT :s, 'v' || r, CASE WHEN r % 10 < 7 THEN c + {_CUSTOMER} END, p::text,"
        " now() - (r % 259200) * interval '1 minute' - (g % 3) * interval '37 minutes'"
        " FROM generate_series(0::bigint, :product_views - 1) g,"
        " LATERAL (SELECT g / 3 AS r) run,"
        " LATERAL (SELECT 1 + (r * 6361 % :customers) AS c,"
        " 1 + floor(:products * power((r * 2654435761 % 1000003) / 1000003.0, 3))::int AS p) x",
    ),
    (
        "enrollments",
        # One waiting abandoned-cart enrollment per open cart (`due` of them due now, the rest
        # within 72 h); the others are finished history the sweep's partial index skips.
        "INSERT INTO enrollments (store_id, recipe, config_version, customer_id, trigger_ref,"
        " state, step, next_run_at, holdout, context, finished_at, created_at, updated_at,"
        " attempts)"
        f" SELECT :s, 'abandoned_cart', 1, 1 + (g * 7907 % :customers) + {_CUSTOMER},"
        " 'cart-' || g, CASE WHEN g <= :open_carts THEN 'active' ELSE 'completed' END,"
        " CASE WHEN g <= :open_carts THEN 0 ELSE 3 END,"
        " CASE WHEN g > :open_carts THEN NULL"
        " WHEN g <= :due THEN now() - (g % 600) * interval '1 second'"
        " ELSE now() + (g % 259200) * interval '1 second' + interval '1 minute' END,"
        " false, '{}', CASE WHEN g > :open_carts THEN now() END, now(), now(), 0"
        " FROM generate_series(1::bigint, :enrollments) g",
    ),
)
