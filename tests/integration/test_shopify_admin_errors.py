"""How Shopify's failures reach the job runner: every answer mapped to the connector errors.

A small loopback server plays Shopify's failure modes the sandbox does not offer (5xx, GraphQL
error codes, frozen shops, slow answers); the connector talks to it over real HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from flask import Flask, Response

from app.core.ports import AuthRevoked, Permanent, RateLimited, Transient
from app.security import CredentialCipher
from connectors.shopify import connect_store
from connectors.shopify.connector import ShopifyConnector
from connectors.shopify.transport import SandboxTransport
from sandbox.serving import ServerThread
from tests.factories import make_store
from workers.credentials import StoreCredentialVault


class Script:
    """Answers to play, in order: (status, body, headers, delay)."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, object, dict[str, str], float]] = []
        self.calls = 0

    def then(self, status: int, body: object = None, delay: float = 0.0, **headers: str):
        self.answers.append((status, body, headers, delay))
        return self

    def app(self) -> Flask:
        app = Flask("scripted_shopify")

        @app.post("/admin/api/<version>/graphql.json")
        def graphql(version: str) -> Response:
            self.calls += 1
            status, body, headers, delay = self.answers.pop(0)
            time.sleep(delay)
            return Response(json.dumps(body or {}), status, headers, mimetype="application/json")

        return app


@pytest.fixture
def script() -> Iterator[tuple[Script, str]]:
    scripted = Script()
    with ServerThread(scripted.app()) as server:
        yield scripted, server.url


@pytest.fixture
def connector(script, db, session, settings) -> Iterator[ShopifyConnector]:
    _scripted, origin = script
    store = make_store(session, domain="scripted.myshopify.com")
    cipher = CredentialCipher(settings.encryption_key)
    store.set_credentials(cipher, {"access_token": "shpat_live", "expires_at": None})
    session.commit()
    client = httpx.Client(transport=SandboxTransport(origin), timeout=httpx.Timeout(0.5))
    waits: list[float] = []
    built = connect_store(
        store.domain,
        StoreCredentialVault(db, cipher, store.id),
        api_key="key",
        api_secret="secret",
        api_version="2026-07",
        http_client=client,
        sleep=waits.append,
    )
    built.waits = waits  # type: ignore[attr-defined]
    yield built
    client.close()


SHOP = {"data": {"shop": {"name": "S", "myshopifyDomain": "scripted.myshopify.com"}}}


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (503, {"errors": "Service Unavailable"}, Transient, "HTTP 503"),
        (500, {"errors": "boom"}, Transient, "HTTP 500"),
        (
            200,
            {
                "errors": [
                    {"message": "Internal error", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
                ]
            },
            Transient,
            "Internal error",
        ),
        (403, {"errors": "missing scope"}, Permanent, "HTTP 403"),
        (402, {"errors": "Unavailable Shop"}, Permanent, "shop unavailable"),
        (
            200,
            {"errors": [{"message": "Field 'x' doesn't exist on type 'Shop'"}]},
            Permanent,
            "Field 'x' doesn't exist",
        ),
    ],
)
def test_failures_map_to_connector_errors(script, connector, status, body, error, message) -> None:
    scripted, _origin = script
    scripted.then(status, body)
    with pytest.raises(error, match=message):
        connector.fetch_shop()
    assert scripted.calls == 1  # no hidden retries: the job runner decides


def test_user_errors_are_permanent_with_shopifys_message(script, connector) -> None:
    scripted, _origin = script
    scripted.then(200, {"data": {"webhookSubscriptions": {"nodes": [], "pageInfo": {}}}})
    invalid = {"field": ["webhookSubscription", "uri"], "message": "Address is invalid"}
    scripted.then(200, {"data": {"webhookSubscriptionCreate": {"userErrors": [invalid]}}})
    with pytest.raises(Permanent, match="webhookSubscription.uri: Address is invalid"):
        connector.ensure_webhooks("http://not-https.example/webhooks/shopify")


def test_a_long_throttle_goes_back_to_the_queue_and_a_short_one_waits(script, connector) -> None:
    scripted, _origin = script
    cost = {"requestedQueryCost": 1000, "throttleStatus": {
        "maximumAvailable": 2000, "currentlyAvailable": 0, "restoreRate": 10}}  # fmt: skip
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                 "extensions": {"cost": cost}}  # fmt: skip
    scripted.then(200, throttled)
    with pytest.raises(RateLimited) as raised:
        connector.fetch_shop()
    assert raised.value.retry_after == pytest.approx(100)
    assert connector.waits == []  # type: ignore[attr-defined]

    # The bucket still looks empty: the next call is refused locally, without a request.
    with pytest.raises(RateLimited):
        connector.fetch_shop()
    assert scripted.calls == 1


def test_a_short_throttle_or_429_waits_in_place(script, connector) -> None:
    scripted, _origin = script
    cost = {"requestedQueryCost": 10, "throttleStatus": {
        "maximumAvailable": 2000, "currentlyAvailable": 0, "restoreRate": 100}}  # fmt: skip
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                 "extensions": {"cost": cost}}  # fmt: skip
    scripted.then(429, {"errors": "Too Many Requests"}, **{"Retry-After": "2"})
    scripted.then(200, throttled).then(200, SHOP)
    assert connector.fetch_shop().name == "S"
    assert scripted.calls == 3
    assert connector.waits[0] == 2.0 and connector.waits[1] == 0.5  # type: ignore[attr-defined]


def test_timeouts_and_unreachable_shops_are_transient(script, connector, db, settings) -> None:
    scripted, _origin = script
    scripted.then(200, SHOP, delay=1.5)
    with pytest.raises(Transient, match="network error or timeout"):
        connector.fetch_shop()
    dead = connect_store(
        "scripted.myshopify.com",
        connector.api.tokens._vault,  # noqa: SLF001 - the same store's vault
        api_key="key",
        api_secret="secret",
        api_version="2026-07",
        admin_origin="http://127.0.0.1:9",
    )
    with dead, pytest.raises(Transient):
        dead.fetch_shop()


def test_a_second_401_after_refresh_is_auth_revoked(script, connector, session) -> None:
    scripted, _origin = script
    scripted.then(401, {"errors": "[API] Invalid API key or access token"})
    # No refresh token stored (a legacy non-expiring token): nothing to refresh with.
    with pytest.raises(AuthRevoked):
        connector.fetch_shop()
