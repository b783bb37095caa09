"""Cross-sell recommendations, each with the reason it is shown.

Order of preference (issue 6): products often bought with the anchors (co-purchase counts over
the store's orders), then products from the same collection/category, then the store's best
sellers. Never something the customer already bought, nothing out of stock, nothing without an
image, nothing unpublished. Reads only the mirror; no I/O beyond the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.core.messaging.contracts import EmailProduct
from app.core.store_settings import store_home_url
from app.db.models import Order, OrderLine, Product, Store, Variant

#: Best sellers are counted over this many days of orders.
BEST_SELLER_WINDOW = timedelta(days=90)
#: How many candidates each source looks at before filtering (keeps queries bounded).
CANDIDATE_LIMIT = 200


@dataclass(frozen=True)
class Recommendation:
    """A product to show and why."""

    product_id: str
    reason: str


def product_block(store: Store, product: Product, reason: str | None = None) -> EmailProduct:
    """A product as an email shows it: title, link, lowest available price, image, reason."""
    available = [variant for variant in product.variants if _in_stock(variant)]
    variants = available or list(product.variants)
    price = min((variant.price for variant in variants), default=Decimal("0"))
    image = product.image_url or next((v.image_url for v in variants if v.image_url), None)
    url = product.url or f"{store_home_url(store)}/products/{product.handle or product.platform_id}"
    return EmailProduct(title=product.title, url=url, price=price, image_url=image, reason=reason)


def bought_product_ids(
    session: Session, store: Store, customer_id: int, email: str | None
) -> set[str]:
    """Every product the customer has ordered (any time)."""
    owner = Order.customer_id == customer_id
    if email:
        owner = or_(owner, Order.email == email)
    rows = session.execute(
        select(OrderLine.product_platform_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.store_id == store.id,
            Order.store_id == store.id,  # the orders' customer and email indexes need it
            owner,
            OrderLine.product_platform_id.is_not(None),
        )
        .distinct()
    )
    return {row for row in rows.scalars() if row}


def recommend(
    session: Session,
    store: Store,
    anchors: Sequence[str],
    *,
    exclude: Iterable[str],
    limit: int,
    now: datetime,
) -> list[EmailProduct]:
    """Up to `limit` products to show next to `anchors`, each with its reason."""
    excluded = set(exclude) | set(anchors)
    titles = _titles(session, store, anchors)
    picks: list[Recommendation] = []
    for source in (_co_purchased, _same_collection, _best_sellers):
        if len(picks) >= limit:
            break
        taken = excluded | {pick.product_id for pick in picks}
        candidates = source(session, store, anchors, titles, now)
        picks.extend(_eligible(session, store, candidates, taken, limit - len(picks)))
    products = _load(session, store, [pick.product_id for pick in picks])
    return [product_block(store, products[pick.product_id], pick.reason) for pick in picks]


def _co_purchased(
    session: Session, store: Store, anchors: Sequence[str], titles: dict[str, str], now: datetime
) -> list[Recommendation]:
    source, other = OrderLine.__table__.alias("source"), OrderLine.__table__.alias("other")
    orders = func.count(func.distinct(other.c.order_id))
    rows = session.execute(
        select(other.c.product_platform_id, source.c.product_platform_id, orders)
        .join(
            other,
            and_(
                other.c.order_id == source.c.order_id,
                other.c.product_platform_id != source.c.product_platform_id,
            ),
        )
        .join(Order.__table__, Order.__table__.c.id == source.c.order_id)
        .where(
            source.c.store_id == store.id,
            source.c.product_platform_id.in_(list(anchors)),
            other.c.product_platform_id.is_not(None),
            Order.__table__.c.cancelled_at.is_(None),
            Order.__table__.c.placed_at <= now,
        )
        .group_by(other.c.product_platform_id, source.c.product_platform_id)
        .order_by(orders.desc(), other.c.product_platform_id)
        .limit(CANDIDATE_LIMIT)
    )
    return [
        Recommendation(candidate, f"Because you bought {titles.get(anchor or '', 'this')}")
        for candidate, anchor, _count in rows
        if candidate
    ]


def _same_collection(
    session: Session, store: Store, anchors: Sequence[str], titles: dict[str, str], now: datetime
) -> list[Recommendation]:
    anchor_products = _load(session, store, anchors)
    wanted = {
        collection: product.title
        for product in anchor_products.values()
        for collection in product.collections
    }
    if not wanted:
        return []
    # Collections are a JSON list on both databases; filter the store's recent products here.
    rows = session.execute(
        select(Product.platform_id, Product.collections)
        .where(Product.store_id == store.id, Product.status == "active")
        .order_by(Product.updated_at.desc())
        .limit(CANDIDATE_LIMIT * 5)
    )
    picks = []
    for platform_id, collections in rows:
        shared = next((c for c in collections or () if c in wanted), None)
        if shared is not None:
            picks.append(Recommendation(platform_id, f"Goes with your {wanted[shared]}"))
    return picks


def _best_sellers(
    session: Session, store: Store, anchors: Sequence[str], titles: dict[str, str], now: datetime
) -> list[Recommendation]:
    units = func.sum(OrderLine.quantity)
    rows = session.execute(
        select(OrderLine.product_platform_id, units)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            OrderLine.store_id == store.id,
            OrderLine.product_platform_id.is_not(None),
            Order.cancelled_at.is_(None),
            Order.placed_at.between(now - BEST_SELLER_WINDOW, now),
        )
        .group_by(OrderLine.product_platform_id)
        .order_by(units.desc(), OrderLine.product_platform_id)
        .limit(CANDIDATE_LIMIT)
    )
    reason = f"A best seller at {store.name}" if store.name else "One of our best sellers"
    return [Recommendation(pid, reason) for pid, _units in rows if pid]


def _eligible(
    session: Session,
    store: Store,
    candidates: list[Recommendation],
    taken: set[str],
    room: int,
) -> list[Recommendation]:
    """Candidates that may be shown: published, in stock, with an image, not excluded."""
    fresh: dict[str, Recommendation] = {}
    for candidate in candidates:
        if candidate.product_id not in taken and candidate.product_id not in fresh:
            fresh[candidate.product_id] = candidate
    if not fresh or room <= 0:
        return []
    in_stock = exists().where(
        Variant.product_id == Product.id,
        Variant.available.is_(True),
        or_(Variant.inventory_quantity.is_(None), Variant.inventory_quantity > 0),
    )
    has_image = or_(
        Product.image_url.is_not(None),
        exists().where(Variant.product_id == Product.id, Variant.image_url.is_not(None)),
    )
    ok = set(
        session.execute(
            select(Product.platform_id).where(
                Product.store_id == store.id,
                Product.platform_id.in_(list(fresh)),
                Product.status == "active",
                Product.deleted_at.is_(None),
                in_stock,
                has_image,
            )
        ).scalars()
    )
    return [candidate for pid, candidate in fresh.items() if pid in ok][:room]


def _load(session: Session, store: Store, platform_ids: Sequence[str]) -> dict[str, Product]:
    if not platform_ids:
        return {}
    rows = session.execute(
        select(Product)
        .options(selectinload(Product.variants))
        .where(Product.store_id == store.id, Product.platform_id.in_(list(platform_ids)))
    )
    return {product.platform_id: product for product in rows.scalars()}


def _titles(session: Session, store: Store, anchors: Sequence[str]) -> dict[str, str]:
    titles = {pid: product.title for pid, product in _load(session, store, anchors).items()}
    missing = [pid for pid in anchors if pid not in titles]
    if missing:
        # The catalog may lag behind orders; the order line's own title will do.
        rows = session.execute(
            select(OrderLine.product_platform_id, OrderLine.title).where(
                OrderLine.store_id == store.id, OrderLine.product_platform_id.in_(missing)
            )
        )
        for pid, title in rows:
            if pid:
                titles.setdefault(pid, title)
    return titles


def is_available(product: Product | None) -> bool:
    """True when a product can be shown: published, not deleted, with a variant in stock."""
    if product is None or product.status != "active" or product.deleted_at is not None:
        return False
    return any(_in_stock(variant) for variant in product.variants)


def _in_stock(variant: Variant) -> bool:
    return variant.available and (
        variant.inventory_quantity is None or variant.inventory_quantity > 0
    )
