"""The `wc/v3` REST server: routing, authentication, pagination, request log, WP JSON output.

Order of work follows `WP_REST_Server::serve_request`: authentication errors first (for any
path), then route matching (`rest_no_route`), then the route's permission check (a visitor
gets 401 `woocommerce_rest_cannot_*`), then the handler.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sandbox.woocommerce import auth
from sandbox.woocommerce.errors import WooError, no_route
from sandbox.woocommerce.params import Arg, validate
from sandbox.woocommerce.state import Record, Sandbox, Store

C = TypeVar("C")


@dataclass
class Reply:
    """A handler's answer; `after` runs once the state lock is released (e.g. the ping)."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    after: Callable[[], None] | None = None


@dataclass
class Call:
    """One REST request, as handlers see it."""

    sandbox: Sandbox
    store: Store
    method: str
    params: dict[str, Any]
    query: dict[str, Any]
    body: Any
    key: Record | None = None
    timeout: float = 60.0

    def args(self, specs: Sequence[Arg], source: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The validated arguments (from `source`, by default all request parameters)."""
        return validate(self.params if source is None else source, specs)

    @property
    def item_id(self) -> int:
        """The `<id>` of the matched route."""
        return int(self.params["id"])


@dataclass(frozen=True)
class Route(Generic[C]):
    """One route: methods, path template, handler and the permission action it needs."""

    methods: tuple[str, ...]
    template: str
    pattern: re.Pattern[str]
    handler: Callable[[C], Reply]
    action: str | None


class Router(Generic[C]):
    """The routes of one namespace (`wc/v3`, `wc/store/v1`); handlers take a `C`."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.routes: list[Route[C]] = []

    def route(
        self, template: str, methods: Sequence[str], action: str | None
    ) -> Callable[[Callable[[C], Reply]], Callable[[C], Reply]]:
        """Register a handler; `<name>` in the template matches digits."""
        regex = re.sub(r"<(\w+)>", r"(?P<\1>\\d+)", template)

        def register(handler: Callable[[C], Reply]) -> Callable[[C], Reply]:
            self.routes.append(
                Route(tuple(methods), template, re.compile(f"^{regex}$"), handler, action)
            )
            return handler

        return register

    def match(self, path: str, method: str) -> tuple[Route[C], dict[str, str]]:
        """The route for a path and method, or 404 `rest_no_route`."""
        lookup = "GET" if method == "HEAD" else method
        for route in self.routes:
            found = route.pattern.match(path)
            if found and (lookup in route.methods or method == "OPTIONS"):
                return route, found.groupdict()
        raise no_route()


def check_permission(route: Route[Call], call: Call) -> None:
    """A visitor (no key) may only use public routes."""
    if route.action is not None and call.key is None and call.method != "OPTIONS":
        raise auth.cannot(route.action)


def paginated(
    call: Call, items: list[Record], view: Callable[[Record], Record], path: str
) -> Reply:
    """One page of a collection with `X-WP-Total`, `X-WP-TotalPages` and `Link` (prev/next),
    as `WC_REST_CRUD_Controller::get_items` sets them."""
    page_args = call.args(
        [
            Arg("page", "integer", minimum=1, default=1),
            Arg("per_page", "integer", minimum=1, maximum=100, default=10),
            Arg("offset", "integer"),
        ]
    )
    page, per_page = page_args["page"], page_args["per_page"]
    start = page_args.get("offset") or (page - 1) * per_page
    total = len(items)
    pages = math.ceil(total / per_page)
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    links = _page_links(call, path, page, pages)
    if links:
        headers["Link"] = ", ".join(links)
    return Reply([view(item) for item in items[start : start + per_page]], headers=headers)


def _page_links(call: Call, path: str, page: int, pages: int) -> list[str]:
    base = f"{call.store.home_url}/wp-json/wc/v3{path}"
    query = {k: v for k, v in call.query.items() if k != "page"}
    links = []
    if page > 1:
        links.append(
            f'<{base}?{_build_query({**query, "page": min(page - 1, max(pages, 1))})}>; rel="prev"'
        )
    if pages > page:
        links.append(f'<{base}?{_build_query({**query, "page": page + 1})}>; rel="next"')
    return links


def _build_query(values: Mapping[str, Any]) -> str:
    flat: list[tuple[str, str]] = []
    for key, value in values.items():
        if isinstance(value, dict):
            flat.extend((f"{key}[{inner}]", str(v)) for inner, v in value.items())
        else:
            flat.append((key, str(value)))
    return urlencode(flat)


def sort_records(
    items: list[Record], orderby: str, order: str, keys: Mapping[str, Callable[[Record], Any]]
) -> list[Record]:
    """Sort by an `orderby` key (ties broken by ID, the same direction)."""
    key = keys.get(orderby, keys["id"])
    return sorted(items, key=lambda r: (key(r), r["id"]), reverse=order == "desc")


def filter_fields(body: Any, fields: str | None) -> Any:
    """`_fields=a,b`: keep only those top-level keys (`rest_filter_response_fields`)."""
    if not fields:
        return body
    wanted = {name.split(".")[0] for name in re.split(r"[\s,]+", fields) if name}
    if isinstance(body, list):
        return [filter_fields(item, fields) for item in body]
    if isinstance(body, dict) and "code" not in body:
        return {key: value for key, value in body.items() if key in wanted}
    return body


def error_reply(error: WooError) -> Reply:
    """The WP_Error body with its status."""
    return Reply(error.body(), status=error.status)


# Every `wc/v3` route; the `*_api` modules register theirs on import.
WC_V3: Router[Call] = Router("wc/v3")
