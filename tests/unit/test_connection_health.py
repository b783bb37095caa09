"""Connection health from what the store row records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.core.connection_health import describe_connection
from app.db.models import Store

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


def store(**values) -> Store:
    defaults = {
        "platform": "shopify", "domain": "a.myshopify.com", "key": "k", "status": "active",
        "credentials_encrypted": b"secret", "installed_at": NOW - timedelta(days=30),
        "last_event_at": NOW - timedelta(hours=1), "sync_state": {},
    }  # fmt: skip
    return Store(**{**defaults, **values})


def test_a_connected_store_is_healthy() -> None:
    health = describe_connection(store(), NOW)
    assert health.healthy and health.webhooks == () and health.webhooks_recorded_at is None


def test_each_problem_is_named() -> None:
    health = describe_connection(
        store(
            credentials_encrypted=None,
            last_event_at=NOW - timedelta(days=5),
            sync_state={"webhooks": {"recorded_at": "2026-11-24T10:00:00+00:00", "subscriptions": [
                {"topic": "orders/paid", "status": "active"},
                {"topic": "app/uninstalled", "status": "missing"},
                {"no topic": True}, "garbage",
            ]}},
        ),
        NOW,
    )  # fmt: skip
    assert health.problems == (
        "No access credentials are stored: connect the store again.",
        "Webhooks not working: app/uninstalled.",
        "No event received for 5 days: webhooks may have been removed.",
    )
    assert [hook.topic for hook in health.webhooks] == ["app/uninstalled", "orders/paid"]
    assert health.webhooks_recorded_at == datetime(2026, 11, 24, 10, tzinfo=UTC)


def test_a_disconnected_store_says_so_and_a_new_one_is_not_called_quiet() -> None:
    assert describe_connection(store(status="disconnected"), NOW).problems == (
        "The store is disconnected: Nudge cannot reach it.",
    )
    fresh = store(installed_at=NOW - timedelta(hours=2), last_event_at=None)
    assert describe_connection(fresh, NOW).healthy
    bad_record = store(sync_state={"webhooks": {"recorded_at": "yesterday", "subscriptions": None}})
    assert describe_connection(bad_record, NOW).webhooks_recorded_at is None
