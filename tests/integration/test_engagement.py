"""Applying provider events to messages and suppressions: once, forward only, never weakened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import func, select, update

from app.core.messaging.engagement import apply_message_events, purge_processed_events
from app.core.messaging.suppressions import suppress_address
from app.core.values import MessageEvent
from app.db.models import Customer, ProcessedEmailEvent, Suppression
from tests.factories import make_message, make_store

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
_ids = count(1)


def event(message, kind: str, minutes: int = 0, **fields) -> MessageEvent:
    values = {
        "provider": "sendgrid",
        "event_id": f"evt-{next(_ids)}",
        "kind": kind,
        "email": "Ada@Example.com",
        "occurred_at": T0 + timedelta(minutes=minutes),
        "message_id": message.id,
        "store_key": None,
    }
    values.update(fields)
    return MessageEvent(**values)


@pytest.fixture
def store(session):
    return make_store(session)


@pytest.fixture
def message(session, store):
    return make_message(session, store)


def apply(session, *events):
    summary = apply_message_events(session, list(events))
    session.commit()
    return summary


def reload(session, row):
    session.refresh(row)
    return row


def suppressions(session, store) -> dict[str, str]:
    rows = session.execute(select(Suppression).where(Suppression.store_id == store.id))
    return {row.email: row.reason for row in rows.scalars()}


def test_status_moves_forward_and_timestamps_are_set(session, message) -> None:
    apply(session, event(message, "processed", 0), event(message, "delivered", 1))
    assert reload(session, message).status == "delivered"
    assert message.delivered_at == T0 + timedelta(minutes=1)
    apply(session, event(message, "opened", 5), event(message, "clicked", 6))
    assert reload(session, message).status == "clicked"
    assert (message.opened_at, message.clicked_at) == (
        T0 + timedelta(minutes=5),
        T0 + timedelta(minutes=6),
    )


def test_status_never_moves_backwards_whatever_the_arrival_order(session, message) -> None:
    apply(session, event(message, "clicked", 6))
    apply(session, event(message, "opened", 5), event(message, "delivered", 1))
    apply(session, event(message, "processed", 0))
    reload(session, message)
    assert message.status == "clicked"
    # Timestamps are still recorded: they say when each thing happened.
    assert message.delivered_at == T0 + timedelta(minutes=1)
    assert message.opened_at == T0 + timedelta(minutes=5)


def test_first_seen_timestamps_keep_the_earliest_report(session, message) -> None:
    apply(session, event(message, "opened", 30))
    apply(session, event(message, "opened", 10))
    apply(session, event(message, "opened", 50))
    assert reload(session, message).opened_at == T0 + timedelta(minutes=10)


@pytest.mark.parametrize("terminal", ["bounced", "dropped", "complained"])
def test_terminal_statuses_are_final(session, message, terminal) -> None:
    apply(session, event(message, "clicked", 1), event(message, terminal, 2, reason="550 5.1.1"))
    apply(session, event(message, "delivered", 3), event(message, "clicked", 4))
    other = "complained" if terminal != "complained" else "bounced"
    apply(session, event(message, other, 5))
    assert reload(session, message).status == terminal


def test_a_bounce_records_its_time_and_reason(session, message) -> None:
    apply(session, event(message, "bounced", 2, reason="550 5.1.1 no such user"))
    reload(session, message)
    assert message.status == "bounced"
    assert message.bounced_at == T0 + timedelta(minutes=2)
    assert message.error == "550 5.1.1 no such user"


def test_the_same_event_is_applied_once_across_batches_and_within_one(session, message) -> None:
    click = event(message, "clicked", 6)
    first = apply(session, click, click)
    assert first["applied"] == 1 and first["duplicate"] == 1
    session.execute(update(type(message)).values(status="delivered", clicked_at=None))
    session.commit()

    again = apply(session, click)

    assert again["duplicate"] == 1 and again["applied"] == 0
    assert reload(session, message).clicked_at is None  # the replay changed nothing
    rows = session.execute(select(func.count()).select_from(ProcessedEmailEvent)).scalar_one()
    assert rows == 1


def test_events_of_another_store_or_recipient_change_nothing(session, store, message) -> None:
    summary = apply(
        session,
        event(message, "bounced", 1, store_key="someone-elses-store", suppress="bounced"),
        event(message, "bounced", 2, email="eve@example.com", suppress="bounced"),
        event(message, "clicked", 3, message_id=message.id + 1000),
        event(message, "clicked", 4, message_id=None),
    )
    assert summary["foreign"] == 2 and summary["unmatched"] == 2
    assert reload(session, message).status == "sent"
    assert suppressions(session, store) == {}


def test_a_matching_store_key_is_accepted(session, store, message) -> None:
    apply(session, event(message, "delivered", 1, store_key=store.key))
    assert reload(session, message).status == "delivered"


@pytest.mark.parametrize(
    ("kind", "suppress"),
    [("bounced", "bounced"), ("dropped", "bounced"), ("complained", "complained"),
     ("unsubscribed", "unsubscribed")],
)  # fmt: skip
def test_bad_addresses_and_opt_outs_are_suppressed_for_the_store(
    session, store, message, kind, suppress
) -> None:
    apply(session, event(message, kind, 1, suppress=suppress))
    assert suppressions(session, store) == {"ada@example.com": suppress}


def test_a_blocked_bounce_or_a_deferral_suppresses_nothing(session, store, message) -> None:
    summary = apply(session, event(message, "bounced", 1), event(message, "deferred", 2))
    assert summary["applied"] == 1 and summary["ignored"] == 1
    assert suppressions(session, store) == {}


def test_an_unsubscribe_is_timestamped_without_touching_the_status(session, store, message) -> None:
    apply(session, event(message, "clicked", 1))
    apply(session, event(message, "unsubscribed", 2, suppress="unsubscribed"))
    reload(session, message)
    assert message.status == "clicked" and message.unsubscribed_at == T0 + timedelta(minutes=2)


def test_a_suppression_is_never_weakened(session, store, message) -> None:
    apply(session, event(message, "bounced", 1, suppress="bounced"))
    apply(session, event(message, "complained", 2, suppress="complained"))
    apply(session, event(message, "dropped", 3, suppress="bounced"))
    assert suppressions(session, store) == {"ada@example.com": "complained"}
    suppress_address(session, store.id, "ADA@example.com ", "bounced", "sendgrid:bounced")
    session.commit()
    assert suppressions(session, store) == {"ada@example.com": "complained"}


def test_an_unsubscribe_outranks_provider_verdicts(session, store, message) -> None:
    # The shopper's own opt-out carries the consent write-back; a later bounce or complaint
    # must not relabel it.
    apply(session, event(message, "complained", 1, suppress="complained"))
    apply(session, event(message, "unsubscribed", 2, suppress="unsubscribed"))
    apply(session, event(message, "bounced", 3, suppress="bounced"))
    assert suppressions(session, store) == {"ada@example.com": "unsubscribed"}


def test_a_provider_unsubscribe_is_honoured_like_the_one_click_link(session, store, message):
    customer = Customer(store_id=store.id, platform_id="1", email="ada@example.com")
    customer.consent = "subscribed"
    session.add(customer)
    session.flush()
    apply(session, event(message, "unsubscribed", 1, suppress="unsubscribed"))
    session.refresh(customer)
    assert customer.consent == "unsubscribed"
    [row] = session.execute(select(Suppression).where(Suppression.store_id == store.id)).scalars()
    assert row.source == "sendgrid:unsubscribed" and row.consent_written_back_at is None


def test_provider_events_cannot_set_other_reasons(session, store) -> None:
    with pytest.raises(ValueError, match="provider suppression reason"):
        suppress_address(session, store.id, "ada@example.com", "redacted", "sendgrid")


def test_suppressions_are_per_store(session, store, message) -> None:
    other_store = make_store(session)
    other = make_message(session, other_store)
    apply(session, event(other, "complained", 1, suppress="complained"))
    assert suppressions(session, store) == {}
    assert suppressions(session, other_store) == {"ada@example.com": "complained"}


def test_a_held_out_message_is_never_moved(session, store) -> None:
    held = make_message(session, store, status="held_out")
    apply(session, event(held, "delivered", 1))
    assert reload(session, held).status == "held_out"


def test_old_dedupe_rows_are_purged(session, message) -> None:
    apply(session, event(message, "delivered", 1), event(message, "opened", 2))
    session.execute(
        update(ProcessedEmailEvent)
        .where(ProcessedEmailEvent.kind == "delivered")
        .values(processed_at=datetime.now(UTC) - timedelta(days=31))
    )
    assert purge_processed_events(session) == 1
    remaining = session.execute(select(ProcessedEmailEvent.kind)).scalars().all()
    assert remaining == ["opened"]
