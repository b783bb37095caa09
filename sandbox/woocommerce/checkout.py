"""Block checkout: the `checkout-draft` order behind a session, and placing it.

The checkout block preloads `GET /wc/store/v1/checkout` when the page renders, which creates
or refreshes a draft order (`status: checkout-draft`, `created_via: store-api`). Typing the email
posts `/cart/update-customer`, which copies the address onto that draft
(`CartUpdateCustomer::maybe_update_order`), so the draft, with its billing email, is readable
through REST and goes out as order.updated. Placing the order turns the draft into a real one.
"""

from __future__ import annotations

from sandbox.woocommerce import carts, orders, records
from sandbox.woocommerce.dates import utc_now
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.ordering import OrderRequest, place
from sandbox.woocommerce.state import CartSession, Record, Store

# What each sandbox payment method does with a new order.
PAYMENT_STATUSES = {"cod": "processing", "bacs": "on-hold", "cheque": "on-hold"}


def _signature(session: CartSession) -> str:
    return repr((sorted(session.items.items()), session.coupons, session.billing, session.shipping))


def current_draft(store: Store, session: CartSession) -> Record | None:
    """The session's draft order if it still is one."""
    order = store.orders.get(session.draft_order_id or 0)
    return order if order is not None and order["status"] == orders.DRAFT else None


def sync_draft(store: Store, session: CartSession) -> Record | None:
    """Create or refresh the draft for a non-empty cart; order.updated fires when a draft
    changes (creating one fires no order.created, woocommerce#66995)."""
    if not session.items:
        return current_draft(store, session)
    totals = carts.totals(store, session)
    draft = current_draft(store, session)
    if draft is None:
        draft = orders.new_order(store, totals, "store-api", status=orders.DRAFT)
        session.draft_order_id = draft["id"]
        _copy_addresses(draft, session)
        draft["draft_signature"] = _signature(session)
        return draft
    if draft.get("draft_signature") != _signature(session):
        orders.set_totals(store, draft, totals)
        _copy_addresses(draft, session)
        draft["draft_signature"] = _signature(session)
        draft["date_modified"] = utc_now()
        store.emit("order", "updated", draft["id"])
    return draft


def _copy_addresses(draft: Record, session: CartSession) -> None:
    draft["billing"] = records.merge_address(
        draft["billing"], session.billing, records.BILLING_FIELDS, "billing"
    )
    draft["shipping"] = records.merge_address(
        draft["shipping"], session.shipping, records.SHIPPING_FIELDS, "shipping"
    )


def update_customer(store: Store, session: CartSession, billing: object, shipping: object) -> None:
    """`POST /cart/update-customer`: store the addresses and refresh an existing draft."""
    session.billing = records.merge_address(
        session.billing or records.empty_address(records.BILLING_FIELDS),
        billing,
        records.BILLING_FIELDS,
        "billing_address",
    )
    session.shipping = records.merge_address(
        session.shipping or records.empty_address(records.SHIPPING_FIELDS),
        shipping,
        records.SHIPPING_FIELDS,
        "shipping_address",
    )
    if current_draft(store, session) is not None:
        sync_draft(store, session)


def place_order(
    store: Store, session: CartSession, payment_method: str, customer_note: str = ""
) -> Record:
    """`POST /checkout`: the draft becomes a real order, stock and coupons are checked again,
    the cart empties. A bad email or coupon is a 400 and changes nothing."""
    email = str(session.billing.get("email") or "").strip()
    if "@" not in email:
        raise WooError(
            "rest_invalid_param",
            "Invalid parameter(s): billing_address",
            400,
            {"params": {"billing_address": "Please provide a valid email address"}},
        )
    if payment_method not in PAYMENT_STATUSES:
        raise WooError(
            "woocommerce_rest_checkout_payment_method_invalid",
            "The selected payment method is not available.",
            400,
        )
    sync_draft(store, session)
    items = [
        (line["product_id"], line["variation_id"], line["quantity"])
        for line in session.items.values()
    ]
    request = OrderRequest(
        items=items,
        coupon_codes=list(session.coupons),
        billing=session.billing,
        shipping=session.shipping,
        status=PAYMENT_STATUSES[payment_method],
        created_via="store-api",
        payment_method=payment_method,
        customer_note=customer_note,
        check_stock=True,
    )
    order = place(store, request, draft=current_draft(store, session))
    session.items.clear()
    session.coupons.clear()
    session.draft_order_id = None
    return order
