"""A seeded catalog: products with prices, stock, categories and (generated) pictures.

Pure data: the same seed gives the same catalog. Each store's seeder turns a `ProductSpec` into
its platform's shape (sandbox/simulator/shopify_store.py, woo_store.py).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

#: Category → (product nouns, price range in whole units).
CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[int, int]]] = {
    "Apparel": (("T-Shirt", "Hoodie", "Socks", "Beanie", "Rain Jacket", "Cap"), (12, 120)),
    "Home": (("Mug", "Candle", "Throw Blanket", "Planter", "Teapot", "Cushion"), (8, 90)),
    "Outdoors": (("Water Bottle", "Daypack", "Camp Lantern", "Trail Map", "Hammock"), (10, 150)),
    "Accessories": (("Tote Bag", "Wallet", "Sunglasses", "Notebook", "Keyring"), (6, 80)),
}
ADJECTIVES = (
    "Harbor", "Alpine", "Meadow", "Copper", "Juniper", "Coastal", "Ember", "Willow",
    "Summit", "Canyon", "Fjord", "Prairie", "Lagoon", "Cedar", "Aurora", "Basalt",
)  # fmt: skip
VENDORS = ("Nudge Goods", "Northwind Supply", "Little Fern Co.")
#: Share of products seeded out of stock (cross-sell must skip them).
OUT_OF_STOCK_SHARE = 0.1


@dataclass(frozen=True)
class ProductSpec:
    """One product as seeded into every store (one variant)."""

    index: int
    handle: str
    title: str
    category: str
    vendor: str
    description: str
    price: Decimal
    compare_at_price: Decimal | None
    sku: str
    stock: int
    #: How often shoppers look at it, relative to the others.
    popularity: float

    @property
    def in_stock(self) -> bool:
        """True when it can be bought."""
        return self.stock > 0


def build_catalog(seed: int, count: int) -> tuple[ProductSpec, ...]:
    """`count` products with unique handles, deterministic for `seed`."""
    rng = random.Random(f"catalog:{seed}")
    names = [
        (adjective, noun, category)
        for category, (nouns, _range) in CATEGORIES.items()
        for noun in nouns
        for adjective in ADJECTIVES
    ]
    rng.shuffle(names)
    products = []
    for index in range(count):
        adjective, noun, category = names[index % len(names)]
        series = index // len(names)
        title = f"{adjective} {noun}" + (f" {series + 1}" if series else "")
        products.append(_product(rng, index, title, category))
    return tuple(products)


def _product(rng: random.Random, index: int, title: str, category: str) -> ProductSpec:
    low, high = CATEGORIES[category][1]
    price = Decimal(rng.randint(low, high)) - Decimal("0.01")
    on_sale = rng.random() < 0.2
    compare_at = (price * Decimal("1.25")).quantize(Decimal("1")) - Decimal("0.01")
    handle = title.lower().replace(" ", "-")
    return ProductSpec(
        index=index,
        handle=handle,
        title=title,
        category=category,
        vendor=rng.choice(VENDORS),
        description=f"The {title}: a sandbox {category.lower()} favourite.",
        price=price,
        compare_at_price=compare_at if on_sale else None,
        sku=f"SIM-{index + 1:04d}",
        stock=0 if rng.random() < OUT_OF_STOCK_SHARE else rng.randint(20, 400),
        popularity=round(1.0 / (1 + index % 12) + rng.random() * 0.2, 4),
    )
