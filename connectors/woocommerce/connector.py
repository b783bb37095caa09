"""`StoreConnector` for one WooCommerce store, over the wrapped REST v3 client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from app.core.ports import AuthRevoked, ConnectorError, NotFound, Permanent
from app.core.values import (
    CartData,
    CodeRequest,
    CustomerData,
    DiscountSpec,
    IssueResult,
    OrderData,
    Page,
    ProductData,
    ShopData,
    WebhookReport,
)
from connectors.woocommerce import catchup, coupons, webhooks
from connectors.woocommerce.catchup import ChangeBatch, RawChange
from connectors.woocommerce.client import WooClient, WooPage
from connectors.woocommerce.mapping import (
    CONSENT_META_KEY,
    DRAFT_STATUS,
    customer_from,
    draft_cart_from,
    order_from,
    product_from,
)

T = TypeVar("T")
_BY_ID = {"orderby": "id", "order": "asc"}


class WooCommerceConnector:
    """Everything the core asks of a WooCommerce store. Cursors are page numbers."""

    platform = "woocommerce"

    def __init__(
        self,
        client: WooClient,
        *,
        webhook_secret: str | None = None,
        webhook_url: str | None = None,
    ) -> None:
        self.client = client
        self._webhook_secret = webhook_secret
        self._webhook_url = webhook_url

    def fetch_shop(self) -> ShopData:
        """Name and time zone from the public WordPress index, currency from wc/v3's system
        status (which also proves the keys work: a revoked key raises AuthRevoked here).
        `_fields=settings` makes Woo compute only that section (the others query the server)."""
        status = self.client.get("system_status", {"_fields": "settings"})
        settings = status.get("settings") if isinstance(status, dict) else None
        currency = settings.get("currency") if isinstance(settings, dict) else None
        try:
            index = self.client.get_site_index()
        except ConnectorError as error:
            if error.retryable:
                raise
            index = {}  # a site hiding its index still works with wc/v3
        index = index if isinstance(index, dict) else {}
        return ShopData(
            name=str(index.get("name") or self.client.store_url.split("://", 1)[-1]),
            domain=self.client.store_url.split("://", 1)[-1],
            timezone=_zone(index.get("timezone_string"), index.get("gmt_offset")),
            currency=str(currency or "USD").upper(),
        )

    def list_customers(self, cursor: str | None) -> Page[CustomerData]:
        """Customers (the `customer` role, Woo's default) by id."""
        page = self.client.page("customers", _BY_ID, _page_number(cursor))
        return _page(page, [customer_from(item) for item in page.items])

    def list_products(self, cursor: str | None) -> Page[ProductData]:
        """Products by id; a variable product's variations are read with it (one more call)."""
        page = self.client.page("products", _BY_ID, _page_number(cursor))
        return _page(page, [self._product(item) for item in page.items])

    def list_orders(self, cursor: str | None, since: datetime | None) -> Page[OrderData]:
        """Placed orders modified since `since` (all when None); checkout drafts are left out."""
        params: dict[str, Any] = dict(_BY_ID)
        if since is not None:
            params.update({"modified_after": _gmt(since), "dates_are_gmt": "true"})
        page = self.client.page("orders", params, _page_number(cursor))
        orders = [order_from(item) for item in page.items if item.get("status") != DRAFT_STATUS]
        return _page(page, orders)

    def list_open_carts(self, cursor: str | None, since: datetime | None) -> Page[CartData]:
        """Block-checkout drafts (`checkout-draft` orders) touched since `since`; a store whose
        REST API does not know that status has none to give (400 → an empty page)."""
        params: dict[str, Any] = {**_BY_ID, "status": DRAFT_STATUS}
        if since is not None:
            params.update({"modified_after": _gmt(since), "dates_are_gmt": "true"})
        try:
            page = self.client.page("orders", params, _page_number(cursor))
        except Permanent:
            return Page(items=())
        drafts = [
            draft_cart_from(item) for item in page.items if item.get("status") == DRAFT_STATUS
        ]
        return _page(page, drafts)

    def issue_codes(
        self, spec: DiscountSpec, codes: Sequence[CodeRequest], parent_ref: str | None
    ) -> IssueResult:
        """Unique single-use coupons through /coupons/batch; Woo has no parent discount."""
        return coupons.issue_codes(self.client, spec, codes)

    def delete_codes(self, platform_refs: Sequence[str]) -> None:
        """Delete coupons by id; missing ones are ignored."""
        coupons.delete_codes(self.client, platform_refs)

    def set_marketing_consent(
        self, customer_platform_id: str | None, email: str, subscribed: bool
    ) -> None:
        """Woo core has no consent field: record it as customer meta (guests have no record)."""
        if not customer_platform_id:
            return
        value = "subscribed" if subscribed else "unsubscribed"
        body = {"meta_data": [{"key": CONSENT_META_KEY, "value": value}]}
        try:
            self.client.put(f"customers/{int(customer_platform_id)}", body)
        except NotFound:
            return  # the customer was deleted in the store: nothing left to update

    def ensure_webhooks(self, callback_url: str, *, reset_secret: bool = False) -> WebhookReport:
        """One active webhook per topic to `callback_url`, signed with the store's secret
        (`reset_secret`: also give the current secret to the webhooks already there)."""
        self._webhook_url = callback_url
        return webhooks.ensure_webhooks(
            self.client, callback_url, self._secret(), reset_secret=reset_secret
        )

    def remove_webhooks(self) -> None:
        """Delete Nudge's webhooks (to this store's address when known, else all of Nudge's)."""
        webhooks.remove_webhooks(self.client, self._webhook_url)

    def poll_changes(self, collection: str, since: datetime) -> ChangeBatch:
        """Catch-up: what changed in `collection` (see `catchup.POLLED`) after `since`."""
        return catchup.poll_modified(self.client, collection, since)

    def sweep_customers(self, page: int) -> tuple[list[RawChange], int]:
        """Catch-up for customers (no `modified_after` in wc/v3): a few pages from `page`."""
        return catchup.sweep_customers(self.client, page)

    def _product(self, item: Mapping[str, Any]) -> ProductData:
        if item.get("type") != "variable":
            return product_from(item)
        variations = list(self.client.iterate(f"products/{item['id']}/variations", _BY_ID))
        return product_from(item, variations)

    def _secret(self) -> str:
        if not self._webhook_secret:
            raise AuthRevoked("no webhook secret stored for this store; reconnect it")
        return self._webhook_secret


def connect_store(
    store_url: str,
    credentials: Mapping[str, Any],
    *,
    timeout: float = 20.0,
    webhook_url: str | None = None,
) -> WooCommerceConnector:
    """A connector for one store from its decrypted credentials (`consumer_key`,
    `consumer_secret`, `webhook_secret`). Missing keys raise AuthRevoked: the store must
    reconnect."""
    key = credentials.get("consumer_key")
    secret = credentials.get("consumer_secret")
    if not key or not secret or not store_url:
        raise AuthRevoked("no WooCommerce keys stored for this store; reconnect it")
    client = WooClient(store_url, str(key), str(secret), timeout=timeout)
    return WooCommerceConnector(
        client,
        webhook_secret=credentials.get("webhook_secret"),
        webhook_url=webhook_url,
    )


def connector_from_credentials(
    credentials: Mapping[str, Any], **options: Any
) -> WooCommerceConnector:
    """The registry's factory shape, `factory(credentials, **options)`: the store URL is in the
    credentials; `timeout` and `webhook_url` are read from `options`, other platforms' options
    (`domain`, `api_version`, `admin_origin`) are ignored."""
    timeout = options.get("timeout")
    webhook_url = options.get("webhook_url")
    return connect_store(
        str(credentials.get("store_url") or ""),
        credentials,
        timeout=float(timeout) if timeout is not None else 20.0,
        webhook_url=str(webhook_url) if webhook_url else None,
    )


def _page_number(cursor: str | None) -> int:
    if cursor is None:
        return 1
    if not cursor.isdigit() or int(cursor) < 1:
        raise ValueError(f"not a WooCommerce page cursor: {cursor!r}")
    return int(cursor)


def _page(page: WooPage, items: list[T]) -> Page[T]:
    following = page.next_page
    return Page(items=tuple(items), next_cursor=str(following) if following else None)


def _gmt(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _zone(timezone_string: Any, gmt_offset: Any) -> str:
    """WordPress's zone setting: a named zone, else a whole-hour offset as Etc/GMT∓N."""
    if isinstance(timezone_string, str) and "/" in timezone_string:
        return timezone_string
    try:
        offset = float(gmt_offset)
    except (TypeError, ValueError):
        return "UTC"
    if offset == 0 or not offset.is_integer():
        return "UTC"
    # POSIX-style names: Etc/GMT-2 is two hours AHEAD of UTC.
    return f"Etc/GMT{-int(offset):+d}"
