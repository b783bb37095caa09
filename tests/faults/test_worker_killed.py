"""A real worker process SIGKILLed at each point of a step: after recovery, exactly one code in
the shop and one email at SendGrid.

The step is the abandoned-cart reminder that carries the shopper's unique code, run by
`python -m workers` against a sandbox Shopify and a sandbox SendGrid, in both worker modes: the
worker and its work horse die together, or the `--no-fork` worker running the job dies (no
handler runs, Redis still says the job is running). RQ's abandoned-job handling then retries
the job, as it does once the dead worker's last heartbeat expires: 90 s later, or the job's
timeout + 60 s later for a --no-fork worker, which cannot beat while it runs a job.
"""

from __future__ import annotations

import signal

import pytest

from app.db.models import Enrollment
from tests.faults.support import (
    FORK,
    NO_FORK,
    FaultStack,
    abandon_dead_jobs,
    abandoned_cart_due_for_the_code_step,
    abandoned_carts_due_for_the_code_step,
    assert_one_code_and_one_email,
    claim_and_queue,
    claim_and_queue_batch,
    code_rows,
    in_both_worker_modes,
    kill_process_tree,
    message_rows,
    release_retries,
    seconds_until_abandoned,
    wait_for,
)
from tests.integration.engine_support import customer_data
from workers.queues import STEPS

pytestmark = pytest.mark.slow

#: When RQ calls a dead worker's step job abandoned: a forking worker beats every 30 s for
#: 90 s; a --no-fork worker beats once, as it takes the job, for the job's timeout (RQ's default,
#: 180 s) + 60 s.
ABANDONED_AFTER = {FORK: 90, NO_FORK: 240}


def recover(stack: FaultStack, job_id: str) -> None:
    """RQ finds the dead worker's job, retries it, and a healthy worker runs it."""
    abandon_dead_jobs(stack.redis)
    assert release_retries(stack.redis) == [job_id]
    code, output = stack.run_worker("steps")
    assert code == 0, output


@in_both_worker_modes
@pytest.mark.parametrize(
    "point",
    [
        "claimed",  # the job holds the claim, nothing done yet
        "code_issued",  # the code exists in the shop, the email is not rendered
        "rendered",  # the email is rendered with its code (not committed), not sent
        "provider_answered",  # SendGrid took the email, the worker dies before recording it
    ],
)
def test_a_worker_killed_at_any_point_leaves_one_code_and_one_email(
    stack: FaultStack, point: str
) -> None:
    abandoned_cart_due_for_the_code_step(stack)
    job_id = claim_and_queue(stack)

    code, output = stack.run_worker("steps", kill_at=point)

    assert code == -signal.SIGKILL, output
    assert stack.enrollment().state == "claimed"
    waits = seconds_until_abandoned(stack.redis, STEPS)
    assert ABANDONED_AFTER[stack.worker_mode] - 20 < waits <= ABANDONED_AFTER[stack.worker_mode]
    recover(stack, job_id)
    assert_one_code_and_one_email(stack)
    [_first, second] = message_rows(stack)
    # Killed after SendGrid took it: never sent again, settled later by SendGrid's events.
    assert second.status == ("sending" if point == "provider_answered" else "sent")


@in_both_worker_modes
def test_a_worker_killed_while_sendgrid_holds_the_request_sends_once(stack: FaultStack) -> None:
    abandoned_cart_due_for_the_code_step(stack)
    job_id = claim_and_queue(stack)
    # SendGrid takes 3 s to answer the next request: the worker is known to be inside it.
    stack.sendgrid.control("POST", "/faults", json={"delay": 3, "count": 1})

    worker = stack.start_worker("steps")
    wait_for(
        lambda: stack.sendgrid.control("GET", "/status").json()["fault"] is None,
        what="the send request to reach SendGrid",
    )
    kill_process_tree(worker)

    wait_for(lambda: stack.emails(), what="SendGrid to finish the request")
    assert [m.status for m in message_rows(stack)] == ["sent", "sending"]
    recover(stack, job_id)
    assert_one_code_and_one_email(stack)


@in_both_worker_modes
@pytest.mark.parametrize("point", ["code_issued", "rendered", "provider_answered"])
def test_a_worker_killed_inside_a_claim_batch_leaves_one_code_and_one_email_each(
    stack: FaultStack, point: str
) -> None:
    shoppers = [customer_data(number, first_name=f"S{number}") for number in (1, 2, 3)]
    abandoned_carts_due_for_the_code_step(stack, shoppers)
    job_id = claim_and_queue_batch(stack)

    # The batch's first step reaches the point and the worker dies there.
    code, output = stack.run_worker("steps", kill_at=point)

    assert code == -signal.SIGKILL, output
    abandon_dead_jobs(stack.redis)
    assert release_retries(stack.redis) == [job_id]  # RQ retries the whole batch
    code, output = stack.run_worker("steps")
    assert code == 0, output
    codes = {row.id: row for row in code_rows(stack)}
    assert len(codes) == 3 and {row.status for row in codes.values()} == {"issued"}
    assert sorted(stack.shop_codes()) == sorted(row.code for row in codes.values())
    for shopper in shoppers:
        [email] = stack.emails(shopper.email)
        [message] = [m for m in message_rows(stack) if m.step == 1 and m.to_email == shopper.email]
        body = stack.sendgrid.control("GET", f"/messages/{email['sg_message_id']}").json()
        assert codes[message.discount_id].code in body["html"]
    statuses = sorted(m.status for m in message_rows(stack) if m.step == 1)
    # Killed after SendGrid took the first one: never sent again, settled by SendGrid's events.
    expected = ["sending", "sent", "sent"] if point == "provider_answered" else ["sent"] * 3
    assert statuses == expected
    assert {(row.state, row.step) for row in stack.rows(Enrollment)} == {("active", 2)}
