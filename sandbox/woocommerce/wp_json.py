"""Flask side of `/<store>/wp-json/...`: turns HTTP into `rest.Call`s and `Reply`s into HTTP.

Importing the `*_api` modules registers their routes on `rest.WC_V3`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request
from werkzeug.wrappers import Response as WebResponse

from sandbox.woocommerce import (  # noqa: F401 - route registration
    auth,
    coupons_api,
    customers_api,
    orders_api,
    php_query,
    products_api,
    store_api,
    system_api,
    webhooks_api,
)
from sandbox.woocommerce.dates import gmt_string, utc_now
from sandbox.woocommerce.errors import WooError, no_route
from sandbox.woocommerce.payloads import php_json
from sandbox.woocommerce.rest import (
    WC_V3,
    Call,
    Reply,
    check_permission,
    error_reply,
    filter_fields,
)
from sandbox.woocommerce.state import Sandbox, Store, UnknownStore

blueprint = Blueprint("woo_wp_json", __name__)
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def sandbox() -> Sandbox:
    """The sandbox of the running app."""
    found: Sandbox = current_app.extensions["woo_sandbox"]
    return found


def store_for_request(slug: str) -> Store:
    """The store a path names (its home URL refreshed from this request), or 404."""
    try:
        store = sandbox().store(slug)
    except UnknownStore:
        raise WooError(
            "sandbox_unknown_store", f"No sandbox store is called {slug!r}.", 404
        ) from None
    store.home_url = f"{request.scheme}://{request.host}/{slug}"
    return store


@blueprint.route("/<slug>/wp-json", methods=ALL_METHODS, defaults={"route": ""})
@blueprint.route("/<slug>/wp-json/", methods=ALL_METHODS, defaults={"route": ""})
@blueprint.route("/<slug>/wp-json/<path:route>", methods=ALL_METHODS)
def wp_json(slug: str, route: str) -> WebResponse:
    """Every REST request of a store: the index, `wc/v3` and the Store API."""
    try:
        store = store_for_request(slug)
    except WooError as unknown:
        return render(error_reply(unknown), None)
    route = "/" + route.strip("/")
    if route == "/":
        return render(Reply(system_api.site_index(store)), None)
    if route == "/wc/v3" or route.startswith("/wc/v3/"):
        return serve_rest(store, route[len("/wc/v3") :])
    if route.startswith("/wc/store/v1"):
        return store_api.serve(sandbox(), store, route[len("/wc/store/v1") :])
    return render(error_reply(no_route()), None)


def serve_rest(store: Store, path: str) -> WebResponse:
    """Authenticate, route, check permission, run the handler, log, answer."""
    box = sandbox()
    call, endpoint, reply = None, f"{request.method} /wc/v3{path}", None
    try:
        call = _call(box, store)
        with box.lock:
            result = auth.authenticate(store, _credentials(store))
            call.key = result.key
            route, url_params = WC_V3.match(path, request.method)
            endpoint = f"{request.method} /wc/v3{route.template}"
            call.params.update(url_params)
            check_permission(route, call)
            reply = route.handler(call) if request.method != "OPTIONS" else _options(path)
    except WooError as error:
        reply = error_reply(error)
    if reply.after is not None:
        reply.after()
    with box.lock:
        store.log_request(
            {
                "at": gmt_string(utc_now()),
                "method": request.method,
                "path": f"/wc/v3{path}",
                "endpoint": endpoint,
                "status": reply.status,
                "key_id": call.key["key_id"] if call and call.key else None,
            }
        )
    return render(reply, request.args.get("_fields"))


def _call(box: Sandbox, store: Store) -> Call:
    query = php_query.parse(request.query_string.decode("latin-1"))
    form = _form()
    body = _json_body()
    params: dict[str, Any] = {**query, **form}
    if isinstance(body, dict):
        params.update(body)
    timeout = box.config.delivery_timeout
    return Call(
        sandbox=box,
        store=store,
        method=request.method,
        params=params,
        query=query,
        body=body,
        timeout=timeout,
    )


def _form() -> dict[str, Any]:
    if request.mimetype != "application/x-www-form-urlencoded":
        return {}
    return php_query.parse(request.get_data(as_text=True))


def _json_body() -> Any:
    if request.mimetype != "application/json" or not request.get_data():
        return None
    try:
        return json.loads(request.get_data(as_text=True))
    except ValueError as error:
        raise WooError(
            "rest_invalid_json",
            "Invalid JSON body passed.",
            400,
            {"json_error_code": 4, "json_error_message": "Syntax error"},
        ) from error


def _credentials(store: Store) -> auth.Credentials:
    is_ssl = request.scheme == "https" or store.settings.https
    raw_path = urlsplit(
        request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    ).path
    scheme = "https" if is_ssl else "http"
    basic = None
    if request.authorization is not None and request.authorization.type == "basic":
        basic = (request.authorization.username or "", request.authorization.password or "")
    return auth.Credentials(
        method=request.method,
        base_uri=f"{scheme}://{request.host}{raw_path}",
        is_ssl=is_ssl,
        query=php_query.parse(request.query_string.decode("latin-1")),
        form=_form(),
        authorization=request.headers.get("Authorization", ""),
        basic=basic,
    )


def _options(path: str) -> Reply:
    methods = [m for r in WC_V3.routes if r.pattern.match(path) for m in r.methods]
    unique = list(dict.fromkeys(methods))
    return Reply({"namespace": "wc/v3", "methods": unique}, headers={"Allow": ", ".join(unique)})


def render(reply: Reply, fields: str | None) -> Response:
    """WordPress's JSON: escaped slashes, UTF-8, the API discovery link."""
    pretty = "_pretty" in request.args
    response = Response(
        php_json(filter_fields(reply.body, fields), pretty=pretty), status=reply.status
    )
    response.headers["Content-Type"] = "application/json; charset=UTF-8"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Access-Control-Expose-Headers"] = "X-WP-Total, X-WP-TotalPages, Link"
    for name, value in reply.headers.items():
        response.headers[name] = value
    return response
