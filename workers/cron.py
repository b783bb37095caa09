"""The only schedule. Run by exactly one clock process: `rq cron workers.cron --url $REDIS_URL`.

RQ marks its cron scheduler beta, so every job here is safe to run twice or late: each one reads
the database (the real schedule) and does what is due.
"""

from rq import cron

from workers.consent import requeue_owed_write_backs
from workers.maintenance import (
    prune_personal_data,
    purge_processed_email_events,
    reap_stale_claims,
    requeue_stalled_events,
    sweep_due_enrollments,
)
from workers.queues import BULK, DEFAULT
from workers.steps import expire_discount_codes, scan_birthdays
from workers.sync import reconcile_all_stores
from workers.woocommerce import woocommerce_maintain_all

#: The tick: work left behind by a Redis outage or a dead worker goes back on the queues.
cron.register(requeue_stalled_events, queue_name=DEFAULT, interval=30, job_timeout=120)
#: The schedule lives in the database; every 30 s the due steps are claimed and queued.
cron.register(sweep_due_enrollments, queue_name=DEFAULT, interval=30, job_timeout=120)
#: Steps claimed by a worker that died are handed back (or failed after 5 tries).
cron.register(reap_stale_claims, queue_name=DEFAULT, interval=300, job_timeout=300)
#: Unsubscribes whose write-back to the platform's consent is still owed.
cron.register(requeue_owed_write_backs, queue_name=DEFAULT, interval=300, job_timeout=120)
#: Birthdays: a daily rule checked hourly, so each zone's "today" is seen before 9:00 local.
cron.register(scan_birthdays, queue_name=BULK, cron="7 * * * *", job_timeout=1800)
#: Nightly: expired, unredeemed codes are deleted from the stores.
cron.register(expire_discount_codes, queue_name=BULK, cron="30 3 * * *", job_timeout=3600)
#: Housekeeping: dedupe ids of SendGrid events older than their retention.
cron.register(purge_processed_email_events, queue_name=BULK, interval=6 * 3600, job_timeout=600)
#: Nightly retention (04:41 UTC): raw webhook bodies and old product views (data-protection.md).
cron.register(prune_personal_data, queue_name=BULK, cron="41 4 * * *", job_timeout=3600)
#: Nightly (03:17 UTC): webhook subscriptions Shopify deleted after failed deliveries come back,
#: and backfills Redis lost resume from their stored cursors.
cron.register(reconcile_all_stores, queue_name=DEFAULT, cron="17 3 * * *", job_timeout=600)
#: WooCommerce never retries a delivery and disables failing webhooks: every 10 minutes each
#: store's webhooks are re-enabled and its changes since the last poll read (workers.woocommerce).
cron.register(woocommerce_maintain_all, queue_name=DEFAULT, interval=600, job_timeout=120)
