"""Control API, read side: what the app did (requests, webhook deliveries) and delivery switches."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from sandbox.woocommerce.control import _body, _json, _store
from sandbox.woocommerce.delivery import Deliverer
from sandbox.woocommerce.errors import WooError
from sandbox.woocommerce.state import Sandbox

blueprint = Blueprint("woo_control_log", __name__, url_prefix="/_sandbox")


def _box() -> Sandbox:
    found: Sandbox = current_app.extensions["woo_sandbox"]
    return found


@blueprint.get("/stores/<slug>/requests")
def list_requests(slug: str) -> Response:
    """REST and Store API requests: total, counts per endpoint (`GET /wc/v3/orders`), entries."""
    with _box().lock:
        store = _store(slug)
        return _json(
            {
                "total": store.request_total,
                "counts": dict(store.request_counts),
                "entries": list(store.requests),
            }
        )


@blueprint.delete("/stores/<slug>/requests")
def reset_requests(slug: str) -> Response:
    """Forget the request log."""
    with _box().lock:
        _store(slug).reset_request_log()
    return _json({"reset": True})


@blueprint.get("/stores/<slug>/deliveries")
def list_deliveries(slug: str) -> Response:
    """Pings and deliveries with headers, raw body and outcome (`?kind=ping|delivery`,
    `?webhook_id=`, `?topic=`)."""
    with _box().lock:
        entries = list(_store(slug).deliveries)
    for name in ("kind", "topic"):
        if request.args.get(name):
            entries = [e for e in entries if e[name] == request.args[name]]
    if request.args.get("webhook_id"):
        entries = [e for e in entries if str(e["webhook_id"]) == request.args["webhook_id"]]
    return _json(entries)


@blueprint.delete("/stores/<slug>/deliveries")
def clear_deliveries(slug: str) -> Response:
    """Forget the delivery log."""
    with _box().lock:
        _store(slug).deliveries.clear()
    return _json({"reset": True})


@blueprint.post("/stores/<slug>/deliveries/fail-next")
def fail_next(slug: str) -> Response:
    """`{"count": N}`: the next N deliveries fail without being sent (like an unreachable URL)."""
    count = _body().get("count", 1)
    if not isinstance(count, int) or count < 0:
        raise WooError("sandbox_invalid_count", "count: a non-negative integer.", 400)
    with _box().lock:
        _store(slug).fail_next_deliveries = count
    return _json({"fail_next_deliveries": count})


@blueprint.post("/deliveries/drain")
def drain() -> Response:
    """`{"timeout": 10}`: wait until every queued delivery of every store has been sent."""
    timeout = _body().get("timeout", 10)
    if not isinstance(timeout, int | float) or timeout < 0:
        raise WooError("sandbox_invalid_timeout", "timeout: seconds.", 400)
    deliverer: Deliverer = current_app.extensions["woo_deliverer"]
    drained = deliverer.drain(float(timeout))
    return _json({"drained": drained}, 200 if drained else 504)
