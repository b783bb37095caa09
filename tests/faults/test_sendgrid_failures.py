"""SendGrid answering 429 and 500 for a while: the messages wait (as long as SendGrid asks, or
with a growing backoff) and go out later, none lost, none doubled.

Real worker processes send to the sandbox SendGrid, whose fault switch fails the next N
mail-send requests (sandbox/sendgrid/faults.py). Between attempts the test checks when RQ will
retry each step, then lets the retries run at once.
"""

from __future__ import annotations

import pytest

from app.db.models import Enrollment, Message
from tests.faults.support import (
    SHOPPER,
    FaultStack,
    abandoned_carts_due_for_the_code_step,
    claim_and_queue,
    claim_and_queue_all,
    claim_and_queue_batch,
    code_rows,
    release_retries,
    retry_wait,
)
from tests.integration.engine_support import customer_data

pytestmark = pytest.mark.slow


def step_messages(stack: FaultStack) -> list[Message]:
    """The code step's message of each enrollment (step 0 went out before the test)."""
    return [message for message in stack.rows(Message) if message.step == 1]


def run_steps(stack: FaultStack) -> None:
    code, output = stack.run_worker("steps")
    assert code == 0, output


def assert_each_shopper_got_one_email_with_their_code(stack: FaultStack, shoppers) -> None:
    codes = {row.id: row for row in code_rows(stack)}
    messages = {message.to_email: message for message in step_messages(stack)}
    assert sorted(messages) == sorted(shopper.email for shopper in shoppers)
    for shopper in shoppers:
        [email] = stack.emails(shopper.email)
        body = stack.sendgrid.control("GET", f"/messages/{email['sg_message_id']}").json()
        message = messages[shopper.email]
        assert message.status == "sent"
        assert codes[message.discount_id].code in body["html"]
    assert {row.status for row in codes.values()} == {"issued"} and len(codes) == len(shoppers)
    assert sorted(stack.shop_codes()) == sorted(row.code for row in codes.values())


def test_a_rate_limited_sendgrid_delays_every_message_by_what_it_asks(stack: FaultStack) -> None:
    shoppers = [customer_data(number, first_name=f"S{number}") for number in (1, 2, 3)]
    abandoned_carts_due_for_the_code_step(stack, shoppers)
    job_ids = claim_and_queue_all(stack)
    stack.sendgrid.control("POST", "/faults", json={"status": 429, "count": 3, "reset_in": 40})

    run_steps(stack)

    assert all(stack.emails(shopper.email) == [] for shopper in shoppers)
    # Each message waits in the outbox, its code already in the shop, for SendGrid's reset.
    assert {message.status for message in step_messages(stack)} == {"queued"}
    assert len(stack.shop_codes()) == 3
    for job_id in job_ids:
        assert 30 <= retry_wait(stack.redis, job_id) <= 41
    assert {row.state for row in _enrollments(stack)} == {"claimed"}

    assert sorted(release_retries(stack.redis)) == sorted(job_ids)
    run_steps(stack)

    assert_each_shopper_got_one_email_with_their_code(stack, shoppers)


def test_sendgrid_errors_back_off_longer_each_time_then_send_once(stack: FaultStack) -> None:
    abandoned_carts_due_for_the_code_step(stack, [SHOPPER])
    job_id = claim_and_queue(stack)
    stack.sendgrid.control("POST", "/faults", json={"status": 500, "count": 2})

    waits = []
    for _attempt in range(2):
        run_steps(stack)
        assert stack.emails() == []
        [message] = step_messages(stack)
        assert message.status == "queued" and "500" in (message.error or "")
        waits.append(retry_wait(stack.redis, job_id))
        assert release_retries(stack.redis) == [job_id]
    run_steps(stack)

    # STEP_RETRY (workers/queues.py): 10 s, then 60 s.
    assert 5 <= waits[0] <= 11 and 50 <= waits[1] <= 61
    assert_each_shopper_got_one_email_with_their_code(stack, [SHOPPER])
    [message] = step_messages(stack)
    assert message.attempts == 3


def _enrollments(stack: FaultStack) -> list[Enrollment]:
    return stack.rows(Enrollment)


def test_a_short_rate_limit_does_not_cut_the_backoff_of_later_errors(stack: FaultStack) -> None:
    abandoned_carts_due_for_the_code_step(stack, [SHOPPER])
    job_id = claim_and_queue(stack)
    stack.sendgrid.control("POST", "/faults", json={"status": 429, "count": 1, "reset_in": 2})
    run_steps(stack)
    assert retry_wait(stack.redis, job_id) <= 3  # SendGrid asked for two seconds
    assert release_retries(stack.redis) == [job_id]

    stack.sendgrid.control("POST", "/faults", json={"status": 500, "count": 1})
    run_steps(stack)

    # The next error backs off as usual (the second retry: 60 s), not by the 429's two seconds,
    # which would burn the remaining retries within seconds during an outage.
    assert 50 <= retry_wait(stack.redis, job_id) <= 61
    assert release_retries(stack.redis) == [job_id]
    run_steps(stack)
    assert_each_shopper_got_one_email_with_their_code(stack, [SHOPPER])


def test_a_rate_limit_inside_a_claim_batch_delays_its_steps_by_what_sendgrid_asks(
    stack: FaultStack,
) -> None:
    shoppers = [customer_data(number, first_name=f"S{number}") for number in (1, 2, 3)]
    enrollment_ids = abandoned_carts_due_for_the_code_step(stack, shoppers)
    claim_and_queue_batch(stack)
    stack.sendgrid.control("POST", "/faults", json={"status": 429, "count": 1, "reset_in": 40})

    run_steps(stack)

    # The first step met the 429; it and the two after it wait, each as a job of its own, as
    # long as SendGrid asked. The later two did not call SendGrid (nor the shop) meanwhile.
    assert all(stack.emails(shopper.email) == [] for shopper in shoppers)
    assert len(stack.shop_codes()) == 1
    job_ids = sorted(f"step-{enrollment_id}-1" for enrollment_id in enrollment_ids)
    for job_id in job_ids:
        assert 30 <= retry_wait(stack.redis, job_id) <= 41
    assert {row.state for row in _enrollments(stack)} == {"claimed"}

    assert sorted(release_retries(stack.redis)) == job_ids
    run_steps(stack)

    assert_each_shopper_got_one_email_with_their_code(stack, shoppers)
