"""The maintenance cron decides, per WooCommerce store, what to queue."""

from __future__ import annotations

from datetime import timedelta

from rq import Queue

from app.db.base import utcnow
from tests.factories import make_store
from workers.queues import BULK, DEFAULT
from workers.serializer import JobSerializer
from workers.woocommerce import woocommerce_maintain_all


def queued(redis_client) -> list[str]:
    ids = []
    for name in (DEFAULT, BULK):
        ids += Queue(name, connection=redis_client, serializer=JobSerializer).get_job_ids()
    return [job_id.rsplit("-", 1)[0] for job_id in ids]


def test_each_store_gets_the_work_it_needs(session, runtime, redis_client) -> None:
    long_ago = utcnow() - timedelta(hours=1)
    done = {name: {"done": True} for name in ("products", "customers", "orders", "carts")}
    healthy = make_store(
        session,
        platform="woocommerce",
        domain="healthy.example",
        sync_state={"woocommerce": {"backfill": done}},
    )
    stalled = make_store(
        session,
        platform="woocommerce",
        domain="stalled.example",
        sync_state={
            "woocommerce": {
                "backfill": {
                    "customers": {"cursor": "3", "done": False},
                    "heartbeat": long_ago.isoformat(),
                }
            }
        },
    )
    stuck_setup = make_store(
        session,
        platform="woocommerce",
        domain="stuck.example",
        status="installing",
        credentials_updated_at=long_ago,
    )
    fresh_setup = make_store(
        session,
        platform="woocommerce",
        domain="fresh.example",
        status="installing",
        credentials_updated_at=utcnow(),
    )
    reconnecting = make_store(
        session,
        platform="woocommerce",
        domain="again.example",
        credentials_updated_at=long_ago,
        sync_state={"woocommerce": {"backfill": done, "setup_pending": True}},
    )
    make_store(session, platform="woocommerce", domain="gone.example", status="disconnected")
    make_store(session, platform="shopify")
    session.commit()

    assert woocommerce_maintain_all() == 6
    assert sorted(queued(redis_client)) == sorted(
        [
            f"woo-maintain-{healthy.id}",
            f"woo-maintain-{stalled.id}",
            f"woo-backfill-{stalled.id}",
            f"woo-setup-{stuck_setup.id}",
            f"woo-maintain-{reconnecting.id}",
            f"woo-setup-{reconnecting.id}",
        ]
    )
    assert not any(job_id.endswith(f"-{fresh_setup.id}") for job_id in queued(redis_client))
    # Run again in the same window: nothing is queued twice.
    assert woocommerce_maintain_all() == 0
