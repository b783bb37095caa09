"""Woo never retries a delivery and disables a failing webhook: the watchdog re-enables it and
the catch-up poll fills the gap, so no order is lost — and none is processed twice."""

from __future__ import annotations

from sqlalchemy import select

from app.db.models import InboundEvent, Order
from tests.e2e.woocommerce.conftest import connect_through_wc_auth
from workers.runtime import queues


def orders_in_mirror(nudge) -> set[str]:
    with nudge.runtime.db.session() as session:
        return set(session.scalars(select(Order.platform_id)))


def test_a_disabled_webhook_is_re_enabled_and_no_order_is_lost(nudge, woo_sandbox) -> None:
    shop = woo_sandbox.create_store("flaky", auto_approve=True, max_delivery_failures=1)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    product = woo_sandbox.control(
        "POST", "flaky/products", json={"name": "Mug", "regular_price": "9.00"}
    )
    woo_sandbox.drain()
    # Nudge unreachable for a while: every delivery fails, and Woo gives up on the webhooks.
    woo_sandbox.control("POST", "flaky/deliveries/fail-next", json={"count": 1000})
    missed = [
        woo_sandbox.control(
            "POST",
            "flaky/orders",
            json={
                "email": f"shopper{n}@example.com",
                "line_items": [{"product_id": product["id"], "quantity": n}],
            },
        )["id"]
        for n in (1, 2, 3, 4)
    ]
    woo_sandbox.drain()
    hooks = {hook["topic"]: hook for hook in woo_sandbox.control("GET", "flaky/webhooks")}
    assert hooks["order.created"]["status"] == "disabled"
    nudge.run_jobs()
    assert orders_in_mirror(nudge).isdisjoint(str(order_id) for order_id in missed)
    woo_sandbox.control("POST", "flaky/deliveries/fail-next", json={"count": 0})

    # The maintenance cron's job for this store: watchdog, then catch-up.
    queues().enqueue_woocommerce_maintain(store.id, 1)
    nudge.run_jobs()
    hooks = {hook["topic"]: hook for hook in woo_sandbox.control("GET", "flaky/webhooks")}
    assert {hook["status"] for hook in hooks.values()} == {"active"}
    assert {str(order_id) for order_id in missed} <= orders_in_mirror(nudge)

    # Re-enabled for real: the next order arrives by webhook again.
    later = woo_sandbox.control(
        "POST",
        "flaky/orders",
        json={
            "email": "later@example.com",
            "line_items": [{"product_id": product["id"], "quantity": 1}],
        },
    )
    woo_sandbox.drain()
    nudge.run_jobs()
    assert str(later["id"]) in orders_in_mirror(nudge)
    delivered = woo_sandbox.control("GET", "flaky/deliveries?kind=delivery&topic=order.created")
    assert delivered[-1]["success"] is True

    # Polling again reads the same orders (the overlap re-reads recent ones) and stores none of
    # them twice: a polled state and a delivered state share one inbox id.
    queues().enqueue_woocommerce_maintain(store.id, 2)
    nudge.run_jobs()
    with nudge.runtime.db.session() as session:
        order_events = list(
            session.scalars(
                select(InboundEvent.external_id).where(InboundEvent.topic.like("order.%"))
            )
        )
    assert len(order_events) == len(missed) + 1  # four caught up, one delivered
    assert len({event_id.rsplit(":", 2)[0] for event_id in order_events}) == len(missed) + 1


def test_the_poll_reads_every_change_across_pages_and_ties(nudge, woo_sandbox) -> None:
    from datetime import UTC, datetime, timedelta

    from workers.woocommerce_state import connector_for

    shop = woo_sandbox.create_store("busy", auto_approve=True)
    store = connect_through_wc_auth(nudge, woo_sandbox, shop["url"])
    since = datetime.now(UTC) - timedelta(seconds=2)
    # Far more than a page (100) of products, most modified within the same second.
    made = {
        woo_sandbox.control("POST", "busy/products", json={"name": f"P{n}"})["id"]
        for n in range(250)
    }
    batch = connector_for(store).poll_changes("products", since)
    assert batch.complete
    read = [change.external_id.split(":")[1] for change in batch.changes]
    assert len(read) == len(set(read)) and set(read) == {str(product_id) for product_id in made}
    assert batch.watermark >= since
