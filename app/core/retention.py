"""How long personal data Nudge only needs for a while is kept (docs/data-protection.md).

- Raw webhook bodies and headers (`InboundEvent.body`/`headers`): a body holds everything the
  platform sent (names, emails, addresses, phone numbers) and is needed only until the event is
  processed, plus a window to replay a failed one (`flask replay-event`). After the retention
  period a settled event (done, ignored or failed) keeps its row, so redeliveries are still
  recognised as duplicates, but its body becomes `PRUNED_BODY` and its headers empty. An event
  still waiting for a worker (`received`) is never pruned.
- Rendered emails (`Message.payload`: the recipient's name, products, code, unsubscribe link)
  are needed only until the message leaves `queued`/`sending` (a retry sends exactly what was
  rendered); after the same period as webhook bodies they are emptied. Status, timing and the
  subject stay for the activity pages and the statistics.
- Storefront product views: browsing history tied to a browser id. Product interest looks back
  7 days; past the retention period views are deleted.

Both work in bounded batches, so a first run over a large backlog holds no long lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.db.models import InboundEvent, Message, ProductView

#: What a pruned webhook body becomes (valid JSON, so a replay fails with a clear error).
PRUNED_BODY = '{"pruned": true}'
#: Message statuses whose rendered payload may still be sent (or is being sent).
UNSENT = ("queued", "sending")
#: Statuses whose body is no longer needed to finish processing.
SETTLED = ("done", "ignored", "failed")
BATCH = 1000


def prune_inbound_bodies(
    session: Session, now: datetime, keep: timedelta, *, max_batches: int = 100
) -> int:
    """Blank the bodies and headers of settled events received before `now - keep`, committing
    per batch; returns how many events were pruned."""
    cutoff = now - keep
    pruned = 0
    for _batch in range(max_batches):
        ids = list(
            session.execute(
                select(InboundEvent.id)
                .where(
                    InboundEvent.received_at < cutoff,
                    InboundEvent.status.in_(SETTLED),
                    InboundEvent.body != PRUNED_BODY,
                )
                .limit(BATCH)
            ).scalars()
        )
        if not ids:
            break
        session.execute(
            update(InboundEvent)
            .where(InboundEvent.id.in_(ids))
            .values(body=PRUNED_BODY, headers={})
            .execution_options(synchronize_session=False)
        )
        session.commit()
        pruned += len(ids)
    return pruned


def prune_product_views(
    session: Session, now: datetime, keep: timedelta, *, max_batches: int = 100
) -> int:
    """Delete product views older than `now - keep`, committing per batch; returns how many."""
    cutoff = now - keep
    deleted = 0
    for _batch in range(max_batches):
        ids = list(
            session.execute(
                select(ProductView.id).where(ProductView.viewed_at < cutoff).limit(BATCH)
            ).scalars()
        )
        if not ids:
            break
        session.execute(
            delete(ProductView)
            .where(ProductView.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        session.commit()
        deleted += len(ids)
    return deleted


def prune_message_payloads(
    session: Session, now: datetime, keep: timedelta, *, max_batches: int = 100
) -> int:
    """Empty the rendered payload of messages created before `now - keep` that will never be
    sent again, committing per batch; returns how many."""
    cutoff = now - keep
    pruned = 0
    for _batch in range(max_batches):
        ids = list(
            session.execute(
                select(Message.id)
                .where(
                    Message.created_at < cutoff,
                    Message.status.not_in(UNSENT),
                    Message.payload != {},
                )
                .limit(BATCH)
            ).scalars()
        )
        if not ids:
            break
        session.execute(
            update(Message)
            .where(Message.id.in_(ids))
            .values(payload={})
            .execution_options(synchronize_session=False)
        )
        session.commit()
        pruned += len(ids)
    return pruned
