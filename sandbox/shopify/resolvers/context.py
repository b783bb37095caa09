"""What every resolver gets as `info.context`: the sandbox, the shop and the request's version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.shopify.timestamps import iso_utc

if TYPE_CHECKING:
    from graphql import GraphQLResolveInfo

    from sandbox.shopify.state import Sandbox, Shop

Record = dict[str, Any]


@dataclass
class Context:
    """Per-request resolver context."""

    sandbox: Sandbox
    shop: Shop
    api_version: str

    def now(self) -> float:
        """The sandbox clock."""
        return self.sandbox.now()


def ctx(info: GraphQLResolveInfo) -> Context:
    """The Context of a resolver call."""
    context: Context = info.context
    return context


def iso(value: float | None) -> str | None:
    """GraphQL DateTime of an epoch value (None stays None)."""
    return iso_utc(value) if value is not None else None


def money(amount: str, currency: str) -> Record:
    """MoneyV2."""
    return {"amount": amount, "currencyCode": currency}


def money_bag(amount: str, currency: str) -> Record:
    """MoneyBag in one currency."""
    return {"shopMoney": money(amount, currency), "presentmentMoney": money(amount, currency)}


def user_error(field: list[str] | None, message: str, code: str | None = None) -> Record:
    """A userErrors entry; `code` and `extraInfo` are present whatever the error type selects."""
    return {"field": field, "message": message, "code": code, "extraInfo": None}


def count(value: int) -> Record:
    """A Count object."""
    return {"count": value, "precision": "EXACT"}
