"""Shopify throttling and an access token expiring in the middle of a job: the worker paces
itself, refreshes the token once, and every step completes with its one code and one email.

The sandbox shop's GraphQL bucket is emptied (THROTTLED), the next Admin call answers 429 with
Retry-After, and the shop's tokens expire right after the first authenticated call of the run,
so the job is between two calls to the shop when its token stops working.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.db.models import Message
from tests.faults.support import (
    SHOPPER,
    FaultStack,
    abandoned_carts_due_for_the_code_step,
    claim_and_queue,
    claim_and_queue_all,
    code_rows,
    release_retries,
    retry_wait,
)
from tests.integration.engine_support import customer_data

pytestmark = pytest.mark.slow


def at_admin_calls(stack: FaultStack, actions: dict[int, Callable[[], None]]) -> None:
    """Run `actions[n]` when the worker's n-th authenticated Admin API call arrives (before the
    call runs): faults at exact points of a job, whatever the timing."""
    sandbox = stack.shop.sandbox
    authenticate: Callable[..., Any] = sandbox.tokens.authenticate
    seen = 0

    def counting(shop: str, value: str) -> Any:
        nonlocal seen
        token = authenticate(shop, value)
        if token is not None:
            seen += 1
            if seen in actions:
                actions[seen]()
        return token

    sandbox.tokens.authenticate = counting  # type: ignore[method-assign]


def empty_bucket(stack: FaultStack) -> None:
    """What /throttle does, from inside a request (which holds the sandbox's lock)."""
    sandbox = stack.shop.sandbox
    shop = sandbox.shop(stack.domain)
    assert shop is not None
    shop.bucket.level(sandbox.now())
    shop.bucket.available = 0.0


def count(stack: FaultStack, operation: str) -> int:
    return stack.shop.operation_count(stack.domain, operation)


def run_steps(stack: FaultStack) -> None:
    code, output = stack.run_worker("steps")
    assert code == 0, output


def assert_one_code_and_one_email_each(stack: FaultStack, shoppers: list) -> None:
    codes = {row.id: row for row in code_rows(stack)}
    assert {row.status for row in codes.values()} == {"issued"} and len(codes) == len(shoppers)
    assert sorted(stack.shop_codes()) == sorted(row.code for row in codes.values())
    for message in (m for m in stack.rows(Message) if m.step == 1):
        [email] = stack.emails(message.to_email)
        body = stack.sendgrid.control("GET", f"/messages/{email['sg_message_id']}").json()
        assert message.status == "sent" and codes[message.discount_id].code in body["html"]


def test_a_throttled_shop_and_a_token_expiring_mid_job_still_get_every_code(
    stack: FaultStack,
) -> None:
    shoppers = [customer_data(number, first_name=f"S{number}") for number in (1, 2, 3)]
    abandoned_carts_due_for_the_code_step(stack, shoppers)
    claim_and_queue_all(stack)
    domain = stack.domain
    # One 429 asking for a one-second pause; the token expires after the job's first call to
    # the shop; the bucket is empty at its second call (Shopify's standard size, restoring fast
    # enough to keep the test short).
    stack.shop.sandbox_call("POST", "/settings", json={"bucket_size": 1000, "restore_rate": 200})
    stack.shop.sandbox_call("POST", f"/shops/{domain}/faults", json={"http_429": 1})
    at_admin_calls(
        stack,
        {1: lambda: stack.shop.sandbox.tokens.expire(domain), 2: lambda: empty_bucket(stack)},
    )

    code, output = stack.run_worker("steps")

    assert code == 0, output
    assert "throttled; waiting" in output  # paced inside the job ...
    assert release_retries(stack.redis) == []  # ... so no step went back to the queue
    assert_one_code_and_one_email_each(stack, shoppers)
    assert count(stack, "throttled") >= 1  # refused once, then paced
    assert count(stack, "http 429") == 1
    assert count(stack, "http 401") == 1  # the expired token, once
    assert count(stack, "oauth refresh_token") == 1  # refreshed once, used by every job after
    store = stack.shop.store(domain)
    assert store is not None and store.status == "active"


def test_a_long_retry_after_hands_the_step_back_to_the_queue(stack: FaultStack) -> None:
    abandoned_carts_due_for_the_code_step(stack, [SHOPPER])
    job_id = claim_and_queue(stack)
    stack.shop.sandbox_call(
        "POST", f"/shops/{stack.domain}/faults", json={"http_429": 1, "retry_after": 90}
    )

    run_steps(stack)

    # The worker did not sleep 90 s holding the job: it is scheduled again after 90 s.
    assert 80 <= retry_wait(stack.redis, job_id) <= 91
    [code] = code_rows(stack)
    assert code.status == "pending" and stack.emails() == []
    assert release_retries(stack.redis) == [job_id]
    run_steps(stack)
    assert_one_code_and_one_email_each(stack, [SHOPPER])
    assert [code.code] == [row.code for row in code_rows(stack)]  # the same code, once
