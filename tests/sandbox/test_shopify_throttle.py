"""Cost-based throttling (leaky bucket per shop + app), the single-query cost limit, and the
429 + Retry-After fault switch, over real HTTP."""

from __future__ import annotations

import httpx
from shopify_app import ShopifyApp

from tests.sandbox.shopify_support import API_KEY, API_SECRET, VERSION, FakeClock, running_sandbox

TWENTY_CUSTOMERS = "{ customers(first: 20) { nodes { id email } pageInfo { hasNextPage } } }"


def test_cost_extension_reports_requested_actual_and_bucket() -> None:
    with running_sandbox() as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        for index in range(3):
            sandbox.control(
                "POST", f"/shops/{domain}/customers", json={"email": f"c{index}@example.com"}
            )
        cost = sandbox.graphql(domain, token, TWENTY_CUSTOMERS).json()["extensions"]["cost"]
    # 2 for the connection + 20 requested nodes; 3 nodes came back.
    assert cost["requestedQueryCost"] == 22 and cost["actualQueryCost"] == 5
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 2000 and status["restoreRate"] == 100
    assert 1995 <= status["currentlyAvailable"] <= 2000


def test_throttled_when_the_bucket_is_short_then_recovers() -> None:
    clock = FakeClock()
    with running_sandbox(bucket_size=30.0, restore_rate=10.0, clock=clock) as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        for index in range(20):
            sandbox.control(
                "POST", f"/shops/{domain}/customers", json={"email": f"c{index}@example.com"}
            )
        first = sandbox.graphql(domain, token, TWENTY_CUSTOMERS).json()
        assert len(first["data"]["customers"]["nodes"]) == 20
        assert first["extensions"]["cost"]["actualQueryCost"] == 22
        throttled = sandbox.graphql(domain, token, TWENTY_CUSTOMERS)
        assert throttled.status_code == 200
        body = throttled.json()
        assert "data" not in body
        assert body["errors"][0]["message"] == "Throttled"
        assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
        cost = body["extensions"]["cost"]
        assert cost["requestedQueryCost"] == 22 and cost["actualQueryCost"] is None
        assert cost["throttleStatus"]["currentlyAvailable"] < 22
        clock.now += 1.3  # 8 left + 10 points/s: 21 < 22
        assert sandbox.graphql(domain, token, TWENTY_CUSTOMERS).json()["errors"][0]["message"] == (
            "Throttled"
        )
        clock.now += 0.2
        recovered = sandbox.graphql(domain, token, TWENTY_CUSTOMERS).json()
        assert len(recovered["data"]["customers"]["nodes"]) == 20
        log = sandbox.control("GET", f"/shops/{domain}/requests").json()
    assert log["counts"]["throttled"] == 2 and log["counts"]["query customers"] == 2


def test_control_api_can_empty_the_bucket() -> None:
    with running_sandbox(clock=FakeClock()) as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        drained = sandbox.control(
            "POST", f"/shops/{domain}/throttle", json={"currently_available": 0}
        )
        assert drained.json()["currentlyAvailable"] == 0
        body = sandbox.graphql(domain, token, "{ customers(first: 50) { nodes { id } } }").json()
        assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
        bad = sandbox.control("POST", f"/shops/{domain}/throttle", json={"currently_available": -5})
        assert bad.status_code == 400


def test_a_query_over_the_single_query_limit_is_refused() -> None:
    huge = "{ customers(first: 250) { nodes { orders(first: 250) { nodes { id } } } } }"
    with running_sandbox() as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        body = sandbox.graphql(domain, token, huge).json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["maxCost"] == 1000
    assert error["message"].startswith(
        f"Query cost is {error['extensions']['cost']}, which exceeds"
    )
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 2000


def test_the_429_switch_answers_retry_after_and_shopifyapp_retries() -> None:
    with running_sandbox() as sandbox:
        domain = sandbox.create_shop("acme")
        token = sandbox.exchange(domain)["access_token"]
        switch = sandbox.control(
            "POST", f"/shops/{domain}/faults", json={"http_429": 2, "retry_after": 1}
        )
        assert switch.json() == {"http_429": 2, "retry_after": 1}
        first = sandbox.graphql(domain, token, "{ shop { name } }")
        assert first.status_code == 429 and first.headers["Retry-After"] == "1"
        with httpx.Client(transport=sandbox.transport()) as client:
            answer = ShopifyApp(API_KEY, API_SECRET).admin_graphql_request(
                "{ shop { name } }",
                shop="acme",
                access_token=token,
                api_version=VERSION,
                http_client=client,
            )
        assert answer.ok, answer.log
        assert [log.code for log in answer.http_logs] == ["rate_limited_retry", "success"]
        counts = sandbox.control("GET", f"/shops/{domain}/requests").json()["counts"]
    assert counts["http 429"] == 2 and counts["query shop"] == 1
