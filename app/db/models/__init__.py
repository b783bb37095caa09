"""Every model, imported here so `Base.metadata` is complete for Alembic and the tests."""

from app.db.models.attribution import Attribution
from app.db.models.audit import AuditEntry
from app.db.models.cart import Cart, ProductView
from app.db.models.catalog import Product, Variant
from app.db.models.customer import Customer
from app.db.models.discount import IssuedDiscount
from app.db.models.engagement import ProcessedEmailEvent
from app.db.models.inbox import InboundEvent
from app.db.models.messaging import Message, Suppression
from app.db.models.order import Order, OrderLine
from app.db.models.privacy import DataExport
from app.db.models.recipe import Enrollment, RecipeConfig
from app.db.models.store import Store

__all__ = [
    "Attribution",
    "AuditEntry",
    "Cart",
    "Customer",
    "DataExport",
    "Enrollment",
    "InboundEvent",
    "IssuedDiscount",
    "Message",
    "Order",
    "OrderLine",
    "ProcessedEmailEvent",
    "Product",
    "ProductView",
    "RecipeConfig",
    "Store",
    "Suppression",
    "Variant",
]
