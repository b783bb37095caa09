"""The wrapped REST client over real HTTP: retries, error mapping, pagination, timeouts.

The server here is a scripted WSGI app on a loopback port that answers what a misbehaving store
or its host would (a WAF's 429, PHP's 503, an HTML page); the sandbox store covers the happy path.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from werkzeug.wrappers import Request, Response

from app.core.ports import AuthRevoked, NotFound, Permanent, RateLimited, Transient
from connectors.woocommerce.client import WooClient
from sandbox.serving import ServerThread


class Script:
    """Answers queued per path; records every request."""

    def __init__(self) -> None:
        self.answers: dict[str, list[Response]] = {}
        self.seen: list[Request] = []

    def add(self, path: str, *answers: Response) -> None:
        self.answers.setdefault(path, []).extend(answers)

    def __call__(self, environ, start_response):
        request = Request(environ)
        request.get_data()
        self.seen.append(request)
        queue = self.answers.get(request.path, [])
        answer = queue.pop(0) if len(queue) > 1 else (queue[0] if queue else Response("", 404))
        if answer.status_code == 599:  # a hanging host
            time.sleep(float(answer.get_data(as_text=True)))
            answer = Response("[]", 200, mimetype="application/json")
        return answer(environ, start_response)


def woo_json(data, status: int = 200, **headers) -> Response:
    return Response(json.dumps(data), status, headers=headers, mimetype="application/json")


def woo_error(status: int, code: str, **headers) -> Response:
    return woo_json(
        {"code": code, "message": code.replace("_", " "), "data": {"status": status}},
        status,
        **headers,
    )


@pytest.fixture
def store() -> Iterator[tuple[Script, str]]:
    script = Script()
    with ServerThread(script) as server:
        yield script, server.url


def client_for(url: str, **options) -> WooClient:
    waits: list[float] = []
    options.setdefault("sleep", waits.append)
    woo = WooClient(url, "ck_" + "1" * 40, "cs_" + "2" * 40, **options)
    woo.waits = waits  # type: ignore[attr-defined]
    return woo


def test_5xx_and_429_are_retried_then_succeed(store) -> None:
    script, url = store
    script.add(
        "/wp-json/wc/v3/products",
        woo_error(503, "down"),
        woo_error(429, "slow", **{"Retry-After": "1"}),
        woo_json([{"id": 1}]),
    )
    woo = client_for(url)
    assert woo.get("products") == [{"id": 1}]
    assert len(script.seen) == 3
    assert woo.waits[1] == 1.0  # Retry-After honoured


def test_a_long_retry_after_is_left_to_the_job_runner(store) -> None:
    script, url = store
    script.add("/wp-json/wc/v3/orders", woo_error(429, "slow", **{"Retry-After": "120"}))
    with pytest.raises(RateLimited) as raised:
        client_for(url).get("orders")
    assert raised.value.retry_after == 120 and len(script.seen) == 1


def test_persistent_5xx_becomes_transient_with_the_stores_code(store) -> None:
    script, url = store
    script.add("/wp-json/wc/v3/orders", woo_error(500, "internal_server_error"))
    with pytest.raises(Transient) as raised:
        client_for(url, attempts=3).get("orders")
    assert raised.value.detail["code"] == "internal_server_error"
    assert len(script.seen) == 3


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (401, "woocommerce_rest_authentication_error", AuthRevoked),
        (403, "woocommerce_rest_cannot_view", AuthRevoked),
        (404, "rest_no_route", NotFound),
        (400, "rest_invalid_param", Permanent),
        (413, "woocommerce_rest_request_entity_too_large", Permanent),
    ],
)
def test_client_errors_are_not_retried(store, status: int, code: str, error: type) -> None:
    script, url = store
    script.add("/wp-json/wc/v3/coupons", woo_error(status, code))
    with pytest.raises(error) as raised:
        client_for(url).get("coupons")
    assert raised.value.detail["code"] == code
    assert len(script.seen) == 1


def test_a_post_is_retried_only_when_the_store_cannot_have_acted(store) -> None:
    script, url = store
    script.add("/wp-json/wc/v3/coupons/batch", woo_error(500, "internal_server_error"))
    with pytest.raises(Transient):
        client_for(url).post("coupons/batch", {"create": []})
    assert len(script.seen) == 1
    script.add("/wp-json/wc/v3/webhooks", woo_error(503, "busy"), woo_json({"id": 5}, 201))
    assert client_for(url).post("webhooks", {"topic": "order.updated"}) == {"id": 5}


def test_an_html_answer_is_a_clear_permanent_error(store) -> None:
    script, url = store
    script.add("/wp-json/wc/v3/orders", Response("<html>Just a moment...</html>", 200))
    with pytest.raises(Permanent, match="did not answer with JSON"):
        client_for(url).get("orders")


def test_a_hanging_store_times_out_as_transient(store) -> None:
    script, url = store
    script.add("/wp-json/wc/v3/orders", Response("0.5", 599))
    with pytest.raises(Transient, match="timed out"):
        client_for(url, timeout=0.1, attempts=1).get("orders")


def test_nothing_listening_is_transient() -> None:
    with ServerThread(Script()) as server:
        url = server.url
    with pytest.raises(Transient, match="connection failed"):
        client_for(url, attempts=2).get("orders")


def test_pagination_follows_x_wp_totalpages(store) -> None:
    script, url = store
    pages = {1: [{"id": 1}, {"id": 2}], 2: [{"id": 3}]}

    def listing(environ, start_response):
        page = int(Request(environ).args.get("page", 1))
        response = woo_json(pages[page], **{"X-WP-Total": "3", "X-WP-TotalPages": "2"})
        return response(environ, start_response)

    with ServerThread(listing) as server:
        woo = client_for(server.url)
        assert [item["id"] for item in woo.iterate("customers", {"role": "all"})] == [1, 2, 3]
        first = woo.page("customers", None, 1)
        assert (first.total_pages, first.next_page) == (2, 2)


def test_every_call_identifies_nudge_and_asks_for_json(store) -> None:
    script, url = store
    script.add("/wp-json/wc/v3/orders", woo_json([]))
    client_for(url).get("orders", {"per_page": 5})
    request = script.seen[0]
    assert request.headers["User-Agent"].startswith("Nudge/")
    assert request.headers["Accept"] == "application/json"
    # Plain http: the package signs with OAuth 1.0a one-legged (research §1.2).
    assert request.args["oauth_signature_method"] == "HMAC-SHA256"
    assert request.args["oauth_consumer_key"] == "ck_" + "1" * 40
