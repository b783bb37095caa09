"""Customers: `customer`, `customers`, `customersCount`, `customerEmailMarketingConsentUpdate`.

Consent lives on `defaultEmailAddress` (the deprecated `emailMarketingConsent` is served too);
the birthday is the standard metafield `facts.birth_date` (research §6).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLResolveInfo

from sandbox.shopify import changes, search
from sandbox.shopify.connections import connection, connection_field
from sandbox.shopify.ids import gid, require_gid
from sandbox.shopify.resolvers import orders
from sandbox.shopify.resolvers.context import Context, count, ctx, iso, money, user_error
from sandbox.shopify.timestamps import parse_time

Record = dict[str, Any]
SETTABLE_STATES = ("PENDING", "SUBSCRIBED", "UNSUBSCRIBED")

GETTERS: dict[str, search.Getter] = {
    "id": search.field("id"),
    "email": search.field("email"),
    "first_name": search.field("first_name"),
    "last_name": search.field("last_name"),
    "state": search.field("state"),
    "created_at": search.field("created_at"),
    "updated_at": search.field("updated_at"),
    "tag": lambda record: record["tags"],
    "email_marketing_state": lambda record: record["email_marketing_consent"]["state"],
    "accepts_marketing": lambda record: str(
        record["email_marketing_consent"]["state"] == "subscribed"
    ).lower(),
}


def _text(record: Record) -> list[Any]:
    return [record["email"], record["first_name"], record["last_name"]]


def mailing_address(record: Record | None, owner_id: int) -> Record | None:
    """MailingAddress from a REST address record."""
    if record is None:
        return None
    name = " ".join(p for p in (record.get("first_name"), record.get("last_name")) if p) or None
    parts = [record.get("address1"), record.get("city"), record.get("zip"), record.get("country")]
    return {
        "id": gid("MailingAddress", owner_id) + "?model_name=CustomerAddress",
        "firstName": record.get("first_name"),
        "lastName": record.get("last_name"),
        "name": name,
        "company": record.get("company"),
        "address1": record.get("address1"),
        "address2": record.get("address2"),
        "city": record.get("city"),
        "province": record.get("province"),
        "provinceCode": record.get("province_code"),
        "country": record.get("country"),
        "countryCodeV2": record.get("country_code"),
        "zip": record.get("zip"),
        "phone": record.get("phone"),
        "timeZone": record.get("time_zone"),
        "formatted": lambda _info, **_args: [part for part in parts if part],
        "latitude": None,
        "longitude": None,
    }


def _email_address(context: Context, record: Record) -> Record | None:
    if not record["email"]:
        return None
    consent = record["email_marketing_consent"]
    state = consent["state"].upper()
    base = context.sandbox.storefront_base(context.shop)
    return {
        "emailAddress": record["email"],
        # REDACTED exists on CustomerEmailMarketingState but not on the address enum.
        "marketingState": "INVALID" if state == "REDACTED" else state,
        "marketingOptInLevel": (consent["opt_in_level"] or "").upper() or None,
        "marketingUpdatedAt": iso(consent["consent_updated_at"]),
        "marketingUnsubscribeUrl": f"{base}/unsubscribe?customer={record['id']}",
        "openTrackingLevel": "UNKNOWN",
        "openTrackingUrl": f"{base}/open-tracking?customer={record['id']}",
        "validFormat": True,
        "sourceLocation": None,
    }


def _metafield(record: Record, owner_type: str) -> Any:
    def resolve(_info: GraphQLResolveInfo, key: str, namespace: str | None = None) -> Record | None:
        stored = record.get("metafields", {}).get(f"{namespace or '$app'}.{key}")
        if stored is None:
            return None
        return {
            "__typename": "Metafield",
            "id": gid("Metafield", stored["id"]),
            "legacyResourceId": str(stored["id"]),
            "namespace": stored["namespace"],
            "key": stored["key"],
            "type": stored["type"],
            "value": stored["value"],
            "jsonValue": stored["value"],
            "ownerType": owner_type,
            "createdAt": iso(stored["created_at"]),
            "updatedAt": iso(stored["updated_at"]),
            "definition": None,
        }

    return resolve


def _address_with_zone(record: Record) -> Record | None:
    """The default address; a seeded `time_zone` shows as its timeZone (the only per-customer
    time zone the Admin schema has)."""
    address, zone = record["default_address"], record["time_zone"]
    if zone is None:
        return address  # type: ignore[no-any-return]
    return (address or {}) | {"time_zone": (address or {}).get("time_zone") or zone}


def customer_node(context: Context, record: Record) -> Record:
    """Customer from a customer record."""
    consent = record["email_marketing_consent"]
    shop = context.shop
    own_orders = [o for o in shop.orders.values() if o["customer_id"] == record["id"]]
    spent = sum(float(o["total_price"]) for o in own_orders if o["cancelled_at"] is None)
    name = " ".join(p for p in (record["first_name"], record["last_name"]) if p)
    return {
        "__typename": "Customer",
        "id": gid("Customer", record["id"]),
        "legacyResourceId": str(record["id"]),
        "firstName": record["first_name"],
        "lastName": record["last_name"],
        "displayName": name or record["email"] or "",
        "email": record["email"],
        "phone": record["phone"],
        "locale": record["locale"],
        "note": record["note"],
        "state": record["state"].upper(),
        "tags": list(record["tags"]),
        "verifiedEmail": record["verified_email"],
        "taxExempt": False,
        "createdAt": iso(record["created_at"]),
        "updatedAt": iso(record["updated_at"]),
        "numberOfOrders": str(len(own_orders)),
        "amountSpent": money(f"{spent:.2f}", shop.currency),
        "defaultEmailAddress": _email_address(context, record),
        "emailMarketingConsent": {
            "marketingState": consent["state"].upper(),
            "marketingOptInLevel": (consent["opt_in_level"] or "").upper() or None,
            "consentUpdatedAt": iso(consent["consent_updated_at"]),
            "sourceLocation": None,
        },
        "defaultAddress": mailing_address(_address_with_zone(record), record["id"]),
        "metafield": _metafield(record, "CUSTOMER"),
        "orders": connection_field(
            lambda: [o for o in shop.orders.values() if o["customer_id"] == record["id"]],
            lambda o: orders.order_node(context, o),
        ),
        "lastOrder": orders.order_node(context, own_orders[-1]) if own_orders else None,
    }


def resolve_customer(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.customer(id)."""
    context = ctx(info)
    record = context.shop.customers.get(require_gid(id, "Customer") or 0)
    return customer_node(context, record) if record else None


def resolve_customers(info: GraphQLResolveInfo, **args: Any) -> Record:
    """QueryRoot.customers(first, after, query, sortKey, reverse, ...)."""
    context = ctx(info)
    found = search.filter_records(
        context.shop.customers.values(), args.get("query"), GETTERS, _text
    )
    return connection(found, args, lambda record: customer_node(context, record))


def resolve_customers_count(info: GraphQLResolveInfo, **args: Any) -> Record:
    """QueryRoot.customersCount(query)."""
    shop = ctx(info).shop
    return count(
        len(search.filter_records(shop.customers.values(), args.get("query"), GETTERS, _text))
    )


def _consent_problem(context: Context, record: Record | None, consent: Record) -> Record | None:
    if record is None:
        return user_error(["input", "customerId"], "Customer not found", "INVALID")
    if not record["email"]:
        return user_error(
            ["input", "customerId"],
            "An email address is required to set the consent state.",
            "INVALID",
        )
    state = consent["marketingState"]
    if state not in SETTABLE_STATES:
        field = ["input", "emailMarketingConsent", "marketingState"]
        return user_error(field, f"Cannot specify {state} as a marketing state input", "INCLUSION")
    updated = consent.get("consentUpdatedAt")
    if updated is not None and parse_time(str(updated)) > context.now() + 60:
        field = ["input", "emailMarketingConsent", "consentUpdatedAt"]
        return user_error(field, "Consent updated at cannot be in the future", "INVALID")
    return None


def consent_update(info: GraphQLResolveInfo, input: Record) -> Record:  # noqa: A002
    """Mutation.customerEmailMarketingConsentUpdate(input)."""
    context = ctx(info)
    record = context.shop.customers.get(require_gid(input["customerId"], "Customer") or 0)
    consent = input["emailMarketingConsent"]
    problem = _consent_problem(context, record, consent)
    if problem is not None or record is None:
        return {"customer": None, "userErrors": [problem]}
    state = consent["marketingState"].lower()
    level = consent.get("marketingOptInLevel") or (
        "SINGLE_OPT_IN" if state == "subscribed" else None
    )
    updated = consent.get("consentUpdatedAt")
    new = {
        "state": state,
        "opt_in_level": level.lower() if level else None,
        "consent_updated_at": parse_time(str(updated)) if updated else context.now(),
    }
    changes.set_consent(context.sandbox, context.shop, record, new, source="graphql")
    return {"customer": customer_node(context, record), "userErrors": []}


QUERY = {
    "customer": resolve_customer,
    "customers": resolve_customers,
    "customersCount": resolve_customers_count,
}
MUTATION = {"customerEmailMarketingConsentUpdate": consent_update}
