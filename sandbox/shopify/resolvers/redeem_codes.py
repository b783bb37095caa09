"""`discountRedeemCodeBulkAdd` (asynchronous), its `discountRedeemCodeBulkCreation` to poll,
`discountCodeRedeemCodeBulkDelete` and `job`.

As on Shopify (research §4.2): at most 250 codes a call (checked before execution:
MAX_INPUT_SIZE_EXCEEDED); the mutation answers `done: false` with zero counts; the creation is
processed `bulk_job_delay` seconds later (on the next request that touches the shop), each code
either imported or failed with its own errors ("must be unique. Please try a different code.",
"Codes must be unique within BulkDiscountCodeCreation", length and newline rules).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from sandbox.shopify.connections import connection
from sandbox.shopify.ids import gid, parse_gid, require_gid
from sandbox.shopify.resolvers.context import Context, ctx, iso, user_error
from sandbox.shopify.resolvers.discount_rules import code_problem
from sandbox.shopify.resolvers.discount_views import code_node, redeem_code_node
from sandbox.shopify.resolvers.discounts import add_redeem_code, find_discount

if TYPE_CHECKING:
    from sandbox.shopify.state import Sandbox, Shop

Record = dict[str, Any]


def _entry_error(message: str) -> Record:
    return {"field": ["code"], "message": message, "code": None, "extraInfo": None}


def _process(context: Context, creation: Record) -> None:
    discount = context.shop.discounts.get(creation["discount_id"])
    seen: set[str] = set()
    for entry in creation["entries"]:
        code = entry["code"]
        problem = code_problem(code, ["code"])
        if problem is not None:
            message = problem["message"].removeprefix("Code ")
            entry["errors"] = [_entry_error(message)]
        elif code.lower() in seen:
            entry["errors"] = [_entry_error("Codes must be unique within BulkDiscountCodeCreation")]
        elif code.lower() in context.shop.redeem_codes or discount is None:
            entry["errors"] = [_entry_error("must be unique. Please try a different code.")]
        else:
            entry["redeem_code_id"] = add_redeem_code(context, discount, code)["id"]
        seen.add(code.lower())
    creation["done"] = True


def settle(sandbox: Sandbox, shop: Shop, api_version: str = "") -> None:
    """Finish every bulk creation whose delay has passed (caller holds the lock)."""
    context = Context(sandbox, shop, api_version or sandbox.config.api_version)
    for creation in shop.bulk_creations.values():
        if not creation["done"] and creation["ready_at"] <= sandbox.now():
            _process(context, creation)


def _entry_node(context: Context, entry: Record) -> Record:
    code_id = entry.get("redeem_code_id")
    stored = context.shop.redeem_codes.get(entry["code"].lower()) if code_id else None
    live = stored if stored is not None and stored["id"] == code_id else None
    return {
        "code": entry["code"],
        "errors": entry["errors"],
        "discountRedeemCode": redeem_code_node(live) if live else None,
    }


def creation_node(context: Context, creation: Record) -> Record:
    """DiscountRedeemCodeBulkCreation."""
    entries = creation["entries"]
    done = creation["done"]
    discount = context.shop.discounts.get(creation["discount_id"])
    return {
        "__typename": "DiscountRedeemCodeBulkCreation",
        "id": gid("DiscountRedeemCodeBulkCreation", creation["id"]),
        "done": done,
        "codesCount": len(entries),
        "importedCount": sum(1 for e in entries if e.get("redeem_code_id")) if done else 0,
        "failedCount": sum(1 for e in entries if e["errors"]) if done else 0,
        "createdAt": iso(creation["created_at"]),
        "discountCode": code_node(context, discount) if discount else None,
        "codes": lambda _info, **args: connection(
            entries, args, lambda entry: _entry_node(context, entry)
        ),
    }


def bulk_add(info: GraphQLResolveInfo, discountId: str, codes: list[Record]) -> Record:  # noqa: N803
    """Mutation.discountRedeemCodeBulkAdd(discountId, codes)."""
    context = ctx(info)
    discount = find_discount(context, discountId)
    if discount is None:
        error = user_error(["discountId"], "Code discount does not exist.", "INVALID")
        return {"bulkCreation": None, "userErrors": [error]}
    if not codes:
        return {
            "bulkCreation": None,
            "userErrors": [user_error(["codes"], "Codes can't be blank", "BLANK")],
        }
    now = context.now()
    creation: Record = {
        "id": context.sandbox.ids.next(),
        "discount_id": discount["id"],
        "entries": [
            {"id": index, "code": item["code"], "errors": [], "redeem_code_id": None}
            for index, item in enumerate(codes)
        ],
        "done": False,
        "created_at": now,
        "ready_at": now + context.sandbox.config.bulk_job_delay,
    }
    context.shop.bulk_creations[creation["id"]] = creation
    return {"bulkCreation": creation_node(context, creation), "userErrors": []}


def resolve_creation(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.discountRedeemCodeBulkCreation(id)."""
    context = ctx(info)
    creation = context.shop.bulk_creations.get(
        require_gid(id, "DiscountRedeemCodeBulkCreation") or 0
    )
    return creation_node(context, creation) if creation else None


def _job(context: Context) -> Record:
    job: Record = {"id": str(uuid.uuid4()), "done": True}
    context.shop.jobs[job["id"]] = job
    return {"id": f"gid://shopify/Job/{job['id']}", "done": True, "query": None}


def bulk_delete(info: GraphQLResolveInfo, discountId: str, **args: Any) -> Record:  # noqa: N803
    """Mutation.discountCodeRedeemCodeBulkDelete(discountId, ids | search)."""
    context = ctx(info)
    discount = find_discount(context, discountId)
    if discount is None:
        error = user_error(["discountId"], "Code discount does not exist.", "INVALID")
        return {"job": None, "userErrors": [error]}
    selectors = [key for key in ("ids", "search", "savedSearchId") if args.get(key) is not None]
    if len(selectors) != 1:
        message = "Only one of 'ids', 'search' or 'saved_search_id' is allowed."
        return {"job": None, "userErrors": [user_error(None, message, "TOO_MANY_ARGUMENTS")]}
    if "ids" in selectors:
        doomed = {parse_gid(value, "DiscountRedeemCode") for value in args["ids"]}
    else:
        wanted = str(args.get("search") or "").removeprefix("code:").strip().lower()
        doomed = {
            context.shop.redeem_codes[k]["id"] for k in discount["code_keys"] if wanted in ("", k)
        }
    for key in list(discount["code_keys"]):
        if context.shop.redeem_codes[key]["id"] in doomed:
            discount["code_keys"].remove(key)
            del context.shop.redeem_codes[key]
    return {"job": _job(context), "userErrors": []}


def resolve_job(info: GraphQLResolveInfo, id: str) -> Record | None:  # noqa: A002
    """QueryRoot.job(id)."""
    job = ctx(info).shop.jobs.get(id.removeprefix("gid://shopify/Job/"))
    return {"id": id, "done": job["done"], "query": None} if job else None


QUERY = {"discountRedeemCodeBulkCreation": resolve_creation, "job": resolve_job}
MUTATION = {
    "discountRedeemCodeBulkAdd": bulk_add,
    "discountCodeRedeemCodeBulkDelete": bulk_delete,
}
