"""A step killed at any point, or run twice, gives exactly one code and one email."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.ports import OutcomeUnknown, Permanent, RateLimited, Transient
from app.core.scheduling import claim_due
from app.core.steps import run_step
from tests.factories import make_store
from tests.integration.engine_support import T0, Engine, cart, customer_data

ADA = customer_data(1)
STEP_TWO = T0 + timedelta(hours=24)


class Killed(BaseException):
    """Stands in for SIGKILL: not an Exception, so no handler in the step runs."""


@pytest.fixture
def engine(session) -> Engine:
    harness = Engine(session, make_store(session))
    harness.enable("abandoned_cart", holdout_percent=0)
    harness.ingest(cart("tok-1", ADA, T0), at=T0)
    harness.run_until(T0 + timedelta(hours=2))  # step 1 sent, step 2 (the code) is next
    assert len(harness.sender.sent) == 1
    return harness


def claim_step_two(engine: Engine):
    engine.now = STEP_TWO
    [claim] = claim_due(engine.session, engine.now)
    return claim


def kill_at(engine: Engine, point: str) -> None:
    def checkpoint(name: str) -> None:
        if name == point:
            raise Killed(point)

    engine.checkpoint = checkpoint


def step_two_emails(engine: Engine) -> list:
    return [email for email in engine.sender.sent if email.custom_args["step"] == "1"]


@pytest.mark.parametrize("point", ["claimed", "slot_reserved", "code_issued", "rendered", "sent"])
def test_killed_at_any_point_then_retried_sends_one_email_with_one_code(
    engine: Engine, point: str
) -> None:
    claim = claim_step_two(engine)
    kill_at(engine, point)
    with pytest.raises(Killed):
        run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    engine.session.rollback()  # the process is gone; its open transaction with it

    engine.checkpoint = lambda _name: None
    result = run_step(engine.session, claim.enrollment_id, claim.token, engine.services())

    assert result.outcome in ("sent", "done")
    assert len(step_two_emails(engine)) == 1
    [code] = engine.codes()
    assert code.status == "issued"
    assert list(engine.connector.codes) == [code.code]
    assert code.code in step_two_emails(engine)[0].text
    enrollment = engine.enrollments()[0]
    assert (enrollment.state, enrollment.step) == ("active", 2)


def test_killed_after_the_send_request_is_never_sent_twice(engine: Engine) -> None:
    claim = claim_step_two(engine)

    def provider_took_it_then_the_worker_died() -> None:
        raise Killed("after the request reached the provider")

    original_send = engine.sender.send

    def send_then_die(messages):
        original_send(messages)
        provider_took_it_then_the_worker_died()

    engine.sender.send = send_then_die  # type: ignore[method-assign]
    with pytest.raises(Killed):
        run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    engine.session.rollback()
    engine.sender.send = original_send  # type: ignore[method-assign]

    result = run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    assert result.outcome == "done"
    assert len(step_two_emails(engine)) == 1
    message = engine.messages()[1]
    assert message.status == "sending"  # settled later by the provider's events
    assert engine.enrollments()[0].step == 2


def test_killed_between_sending_and_the_request_loses_rather_than_duplicates(
    engine: Engine,
) -> None:
    claim = claim_step_two(engine)
    kill_at(engine, "sending")
    with pytest.raises(Killed):
        run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    engine.session.rollback()
    engine.checkpoint = lambda _name: None
    run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    # The documented trade-off (app/core/outbox.py): at most once.
    assert step_two_emails(engine) == []
    assert len(engine.codes()) == 1


def test_the_same_job_run_twice_does_nothing_the_second_time(engine: Engine) -> None:
    claim = claim_step_two(engine)
    first = run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    second = run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    assert (first.outcome, second.outcome) == ("sent", "stale")
    assert len(step_two_emails(engine)) == 1
    assert len(engine.codes()) == 1
    assert engine.connector.count("issue_codes") == 1


def test_a_claim_taken_over_by_another_worker_is_not_run(engine: Engine) -> None:
    from sqlalchemy import update

    from app.db.models import Enrollment

    claim = claim_step_two(engine)
    engine.session.execute(update(Enrollment).values(claim_token="someone-else"))
    engine.session.commit()
    result = run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    assert result.outcome == "stale"
    assert step_two_emails(engine) == []


def test_a_transient_store_error_retries_with_the_same_code(engine: Engine) -> None:
    claim = claim_step_two(engine)
    engine.connector.fail_next("issue_codes", Transient("502 from the store"))
    with pytest.raises(Transient):
        run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    [pending] = engine.codes()
    assert pending.status == "pending"
    assert "502" in (engine.enrollments()[0].last_error or "")

    run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    [issued] = engine.codes()
    assert issued.code == pending.code and issued.status == "issued"
    requested = [args[1][0].code for name, args in engine.connector.calls if name == "issue_codes"]
    assert requested == [pending.code, pending.code]
    assert len(step_two_emails(engine)) == 1


def test_a_store_that_refuses_the_code_still_gets_the_reminder(engine: Engine) -> None:
    claim = claim_step_two(engine)
    engine.connector.fail_next("issue_codes", Permanent("discounts disabled"))
    run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    [code] = engine.codes()
    assert code.status == "failed" and "disabled" in (code.error or "")
    [email] = step_two_emails(engine)
    assert code.code not in email.text


def test_provider_rate_limit_requeues_the_message_and_retries(engine: Engine) -> None:
    claim = claim_step_two(engine)
    engine.sender.fail_next("send", RateLimited("429", retry_after=30))
    with pytest.raises(RateLimited):
        run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    assert engine.messages()[1].status == "queued"
    run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    assert len(step_two_emails(engine)) == 1
    assert engine.messages()[1].status == "sent"


def test_a_refused_address_fails_the_enrollment(engine: Engine) -> None:
    claim = claim_step_two(engine)
    engine.sender.refuse.add(ADA.email)
    result = run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    assert result.outcome == "failed"
    enrollment = engine.enrollments()[0]
    assert enrollment.state == "failed" and "refused" in (enrollment.last_error or "")
    assert engine.messages()[1].status == "failed"


def test_a_provider_refusing_the_request_keeps_the_message_for_later(engine: Engine) -> None:
    claim = claim_step_two(engine)
    engine.sender.fail_next("send", Permanent("401 bad API key"))
    with pytest.raises(Permanent):
        run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    message = engine.messages()[1]
    assert message.status == "queued" and "API key" in (message.error or "")
    assert engine.enrollments()[0].state == "claimed"  # the reaper hands it back later
    run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    assert len(step_two_emails(engine)) == 1


def test_a_revoked_store_token_retries_rather_than_dropping_the_code(engine: Engine) -> None:
    from app.core.ports import AuthRevoked

    claim = claim_step_two(engine)
    engine.connector.fail_next("issue_codes", AuthRevoked("token revoked"))
    with pytest.raises(AuthRevoked):
        run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    assert engine.codes()[0].status == "pending" and step_two_emails(engine) == []


def test_an_unknown_send_outcome_is_never_sent_again(engine: Engine) -> None:
    # A read timeout after the request left: SendGrid may have taken the email.
    engine.sender.fail_next("send", OutcomeUnknown("no answer from SendGrid: TimeoutError"))
    claim = claim_step_two(engine)
    run_step(engine.session, claim.enrollment_id, claim.token, engine.services())
    message = engine.messages()[1]
    assert message.status == "sending" and "outcome unknown" in (message.error or "")
    # The series goes on (the email probably went out) and the step is never repeated.
    engine.run_until(STEP_TWO + timedelta(days=3))
    assert engine.sender.count("send") == 3  # step 1, the unknown step 2, step 3
    assert [m.step for m in engine.messages()] == [0, 1, 2]
    assert engine.enrollments()[0].state == "completed"
