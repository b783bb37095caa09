"""Redis down or flushed: webhooks are still accepted and stored, and nothing promised is lost.

Each test runs Nudge on a redis-server of its own (`private_redis`), which it kills, restarts
empty and flushes; the database is the suite's.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db.models import Customer, Enrollment, InboundEvent, Message
from tests.e2e.test_shopify_webhooks import signed_post
from tests.faults.private_redis import PrivateRedis
from tests.faults.support import (
    SHOPIFY_TIMEOUT,
    abandoned_cart_due_for_the_code_step,
    age_claims,
    age_events,
    assert_one_code_and_one_email,
    claim_and_queue,
    customer_body,
    fault_stack,
    on_redis,
    retry_wait,
    run_clock,
)

pytestmark = pytest.mark.slow


def test_webhooks_are_stored_while_redis_is_down_and_processed_when_it_returns(
    settings, committed_db, private_redis: PrivateRedis
) -> None:
    with fault_stack(on_redis(settings, private_redis.url), committed_db) as stack:
        private_redis.stop()

        for number in range(5):
            started = time.monotonic()
            response = signed_post(
                stack.shop, stack.domain, "customers/create", customer_body(number)
            )
            assert response.status_code == 200, response.text
            assert time.monotonic() - started < SHOPIFY_TIMEOUT

        events = stack.rows(InboundEvent)
        assert [event.status for event in events] == ["received"] * 5
        assert stack.rows(Customer) == []

        private_redis.start()  # back, and empty: it never saw those five
        code, output = run_clock(stack, "requeue_stalled_events")
        assert code == 0, output
        # A job may still be on its way for a fresh event: the sweep waits two minutes.
        assert {event.status for event in stack.rows(InboundEvent)} == {"received"}

        age_events(stack, timedelta(minutes=3))
        code, output = run_clock(stack, "requeue_stalled_events")
        assert code == 0, output
        assert [event.status for event in stack.rows(InboundEvent)] == ["done"] * 5
        emails = sorted(customer.email for customer in stack.rows(Customer))
        assert emails == [f"outage{number}@example.com" for number in range(5)]


def test_a_delivery_retried_during_the_outage_is_stored_once(
    settings, committed_db, private_redis: PrivateRedis
) -> None:
    with fault_stack(on_redis(settings, private_redis.url), committed_db) as stack:
        private_redis.stop()
        body = customer_body(1)
        first = signed_post(
            stack.shop,
            stack.domain,
            "customers/create",
            body,
            **{"X-Shopify-Event-Id": "retried-event"},
        )
        again = signed_post(
            stack.shop,
            stack.domain,
            "customers/create",
            body,
            **{"X-Shopify-Event-Id": "retried-event"},
        )
        assert (first.status_code, again.status_code) == (200, 200)
        assert again.json()["status"] == "duplicate"
        assert len(stack.rows(InboundEvent)) == 1


def test_a_claimed_and_queued_step_survives_a_redis_flush(
    settings, committed_db, private_redis: PrivateRedis
) -> None:
    with fault_stack(on_redis(settings, private_redis.url), committed_db) as stack:
        abandoned_cart_due_for_the_code_step(stack)
        job_id = claim_and_queue(stack)
        assert stack.redis.exists(f"rq:job:{job_id}")

        stack.redis.flushall()  # this test's own Redis: every queued job is gone

        code, output = run_clock(stack, "sweep_due_enrollments", "reap_stale_claims")
        assert code == 0, output
        # The database still says claimed; the reaper gives a job ten minutes before it calls
        # the claim abandoned.
        assert stack.enrollment().state == "claimed" and stack.emails() == []

        age_claims(stack, timedelta(minutes=11))
        code, output = run_clock(stack, "reap_stale_claims", "sweep_due_enrollments")
        assert code == 0, output
        assert_one_code_and_one_email(stack)


def test_every_scheduled_step_is_in_the_database_not_only_in_redis(
    settings, committed_db, private_redis: PrivateRedis
) -> None:
    with fault_stack(on_redis(settings, private_redis.url), committed_db) as stack:
        enrollment_id = abandoned_cart_due_for_the_code_step(stack)
        stack.redis.flushall()
        with stack.database.session() as session:
            due = session.execute(
                select(Enrollment.next_run_at).where(Enrollment.id == enrollment_id)
            ).scalar_one()
        assert due is not None
        code, output = run_clock(stack, "sweep_due_enrollments")
        assert code == 0, output
        assert len(stack.emails()) == 1


def test_a_retry_waiting_in_redis_survives_a_flush(
    settings, committed_db, private_redis: PrivateRedis
) -> None:
    with fault_stack(on_redis(settings, private_redis.url), committed_db) as stack:
        abandoned_cart_due_for_the_code_step(stack)
        job_id = claim_and_queue(stack)
        stack.sendgrid.control("POST", "/faults", json={"status": 429, "count": 1, "reset_in": 60})
        code, output = stack.run_worker("steps")
        assert code == 0, output
        assert retry_wait(stack.redis, job_id) > 30  # the retry exists only in Redis

        stack.redis.flushall()
        age_claims(stack, timedelta(minutes=11))
        code, output = run_clock(stack, "reap_stale_claims", "sweep_due_enrollments")

        assert code == 0, output
        assert_one_code_and_one_email(stack)
        assert [message.status for message in stack.rows(Message)] == ["sent", "sent"]
