"""Shop-scoped webhook subscriptions (`webhookSubscriptionCreate/Update/Delete`, queries).

The topic argument is a `WebhookSubscriptionTopic` enum, so graphql-core rejects unknown topics
(and the compliance topics, which are not in the enum) before any resolver runs, as Shopify does.
Address rules follow captured Shopify userErrors; as a sandbox concession plain `http://` is
accepted for loopback hosts (127.0.0.1, localhost) so local receivers work.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from graphql import GraphQLResolveInfo

from sandbox.shopify.connections import connection
from sandbox.shopify.ids import gid, require_gid
from sandbox.shopify.resolvers.context import Context, ctx, iso, user_error

Record = dict[str, Any]
ADDRESS_FIELD = ["webhookSubscription", "callbackUrl"]
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def subscription_node(context: Context, record: Record) -> Record:
    """WebhookSubscription."""
    version = context.sandbox.config.api_version
    return {
        "__typename": "WebhookSubscription",
        "id": gid("WebhookSubscription", record["id"]),
        "legacyResourceId": str(record["id"]),
        "topic": record["topic"],
        "uri": record["uri"],
        "callbackUrl": record["uri"],
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": record["uri"]},
        "format": record["format"],
        "includeFields": list(record["include_fields"]),
        "filter": record["filter"],
        "metafieldNamespaces": list(record["metafield_namespaces"]),
        "metafields": [],
        "name": record["name"],
        "apiVersion": {"handle": version, "displayName": version, "supported": True},
        "createdAt": iso(record["created_at"]),
        "updatedAt": iso(record["updated_at"]),
    }


def _address_problem(uri: str | None) -> Record | None:
    if not uri or not uri.strip():
        return user_error(ADDRESS_FIELD, "Address can't be blank")
    parts = urlsplit(uri.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return user_error(ADDRESS_FIELD, "The Shopify sandbox delivers only to HTTP(S) addresses")
    if parts.scheme == "http" and host not in LOOPBACK:
        return user_error(ADDRESS_FIELD, "Address protocol http:// is not supported")
    if host.endswith(("shopify.com", "myshopify.com", "shopify.io")):
        return user_error(ADDRESS_FIELD, "Address cannot be a Shopify or an internal domain")
    return None


def _input_problem(context: Context, topic: str, data: Record, own_id: int | None) -> Record | None:
    uri = data.get("uri") or data.get("callbackUrl")
    problem = _address_problem(uri)
    if problem is not None or uri is None:
        return problem
    if data.get("format", "JSON") != "JSON":
        return user_error(
            ["webhookSubscription", "format"], "The Shopify sandbox delivers JSON only"
        )
    for record in context.shop.subscriptions.values():
        if record["id"] != own_id and record["topic"] == topic and record["uri"] == uri.strip():
            return user_error(ADDRESS_FIELD, "Address for this topic has already been taken")
    return None


def _fields(data: Record) -> Record:
    return {
        "uri": (data.get("uri") or data.get("callbackUrl") or "").strip(),
        "format": "JSON",
        "include_fields": list(data.get("includeFields") or []),
        "filter": data.get("filter") or None,
        "metafield_namespaces": list(data.get("metafieldNamespaces") or []),
        "name": data.get("name"),
    }


def create(info: GraphQLResolveInfo, topic: str, webhookSubscription: Record) -> Record:  # noqa: N803
    """Mutation.webhookSubscriptionCreate(topic, webhookSubscription)."""
    context = ctx(info)
    problem = _input_problem(context, topic, webhookSubscription, None)
    if problem is not None:
        return {"webhookSubscription": None, "userErrors": [problem]}
    now = context.now()
    record: Record = {
        "id": context.sandbox.ids.next(),
        "topic": topic,
        "created_at": now,
        "updated_at": now,
    }
    record |= _fields(webhookSubscription)
    context.shop.subscriptions[record["id"]] = record
    return {"webhookSubscription": subscription_node(context, record), "userErrors": []}


def update(info: GraphQLResolveInfo, id: str, webhookSubscription: Record) -> Record:  # noqa: A002, N803
    """Mutation.webhookSubscriptionUpdate(id, webhookSubscription)."""
    context = ctx(info)
    record = context.shop.subscriptions.get(require_gid(id, "WebhookSubscription") or 0)
    if record is None:
        return {
            "webhookSubscription": None,
            "userErrors": [user_error(["id"], "Webhook subscription does not exist")],
        }
    merged = {"uri": record["uri"]} | webhookSubscription
    problem = _input_problem(context, record["topic"], merged, record["id"])
    if problem is not None:
        return {"webhookSubscription": None, "userErrors": [problem]}
    record |= _fields(merged) | {"updated_at": context.now()}
    return {"webhookSubscription": subscription_node(context, record), "userErrors": []}


def delete(info: GraphQLResolveInfo, id: str) -> Record:  # noqa: A002
    """Mutation.webhookSubscriptionDelete(id)."""
    context = ctx(info)
    record = context.shop.subscriptions.pop(require_gid(id, "WebhookSubscription") or 0, None)
    if record is None:
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [user_error(["id"], "Webhook subscription does not exist")],
        }
    return {"deletedWebhookSubscriptionId": id, "userErrors": []}


def resolve_list(info: GraphQLResolveInfo, **args: Any) -> Record:
    """QueryRoot.webhookSubscriptions(first, after, topics, uri, callbackUrl, format)."""
    context = ctx(info)
    records = list(context.shop.subscriptions.values())
    if args.get("topics"):
        records = [r for r in records if r["topic"] in args["topics"]]
    wanted_uri = args.get("uri") or args.get("callbackUrl")
    if wanted_uri:
        records = [r for r in records if r["uri"] == wanted_uri]
    if args.get("format") not in (None, "JSON"):
        records = []
    return connection(records, args, lambda record: subscription_node(context, record))


def resolve_one(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.webhookSubscription(id)."""
    context = ctx(info)
    record = context.shop.subscriptions.get(require_gid(id, "WebhookSubscription") or 0)
    return subscription_node(context, record) if record else None


QUERY = {"webhookSubscriptions": resolve_list, "webhookSubscription": resolve_one}
MUTATION = {
    "webhookSubscriptionCreate": create,
    "webhookSubscriptionUpdate": update,
    "webhookSubscriptionDelete": delete,
}
