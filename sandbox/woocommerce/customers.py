"""Customers (WordPress users with the `customer` role): records, writes and REST bodies.

`meta_data` shows plugin user meta such as AutomateWoo Birthdays' `_automatewoo_birthday_md`
(`m-d`) and `_automatewoo_birthday_full` (`Y-m-d`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from sandbox.woocommerce import records
from sandbox.woocommerce.dates import gmt_string, local_string, utc_now
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.state import Record, Store


def find_by_email(store: Store, email: str) -> Record | None:
    """The customer whose account email is `email` (case-insensitive)."""
    wanted = email.strip().lower()
    return next((c for c in store.customers.values() if c["email"] == wanted), None)


def new_customer(store: Store, values: dict[str, Any]) -> Record:
    """`wc_create_new_customer` + the REST fields; a taken email or username is a 400."""
    email = str(values["email"]).strip().lower()
    if find_by_email(store, email) is not None:
        raise WooError(
            "registration-error-email-exists",
            "An account is already registered with your email address. Please log in.",
            400,
        )
    username = values.get("username") or _username_from(store, email)
    if any(c["username"] == username for c in store.customers.values()):
        raise WooError(
            "registration-error-username-exists",
            "An account is already registered with that username. Please choose another.",
            400,
        )
    now = utc_now()
    customer: Record = {
        "id": store.next_user_id(),
        "email": email,
        "first_name": "",
        "last_name": "",
        "username": username,
        "role": "customer",
        "billing": records.empty_address(records.BILLING_FIELDS),
        "shipping": records.empty_address(records.SHIPPING_FIELDS),
        "is_paying_customer": False,
        "meta_data": [],
        "date_created": now,
        "date_modified": now,
    }
    apply_changes(store, customer, values)
    store.customers[customer["id"]] = customer
    return customer


def _username_from(store: Store, email: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", email.split("@")[0]) or "customer"
    taken = {c["username"] for c in store.customers.values()}
    return records.unique_slug(base, taken)


def apply_changes(store: Store, customer: Record, values: dict[str, Any]) -> bool:
    """Write validated REST values onto a customer; True if anything changed."""
    before = repr(customer)
    if "email" in values:
        email = str(values["email"]).strip().lower()
        other = find_by_email(store, email)
        if other is not None and other["id"] != customer["id"]:
            raise WooError(
                "woocommerce_rest_customer_invalid_email", "Email address is invalid.", 400
            )
        customer["email"] = email
    for name in ("first_name", "last_name"):
        if name in values:
            customer[name] = values[name]
    customer["billing"] = records.merge_address(
        customer["billing"], values.get("billing"), records.BILLING_FIELDS, "billing"
    )
    customer["shipping"] = records.merge_address(
        customer["shipping"], values.get("shipping"), records.SHIPPING_FIELDS, "shipping"
    )
    records.update_meta(store, customer["meta_data"], values.get("meta_data"))
    changed = repr(customer) != before
    if changed:
        customer["date_modified"] = utc_now()
    return changed


def customer_view(store: Store, customer: Record) -> Record:
    """`GET /wc/v3/customers/<id>` (also what customer.* webhooks deliver)."""
    zone = store.settings.zone
    digest = hashlib.md5(customer["email"].encode(), usedforsecurity=False).hexdigest()
    return {
        "id": customer["id"],
        "date_created": local_string(customer["date_created"], zone),
        "date_created_gmt": gmt_string(customer["date_created"]),
        "date_modified": local_string(customer["date_modified"], zone),
        "date_modified_gmt": gmt_string(customer["date_modified"]),
        "email": customer["email"],
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "role": customer["role"],
        "username": customer["username"],
        "billing": dict(customer["billing"]),
        "shipping": dict(customer["shipping"]),
        "is_paying_customer": customer["is_paying_customer"],
        "avatar_url": f"https://secure.gravatar.com/avatar/{digest}?s=96&d=mm&r=g",
        "meta_data": records.meta_view(customer["meta_data"]),
        "_links": records.links(store.home_url, "customers", customer["id"]),
    }
