"""End to end: a signed checkout webhook → the first abandoned-cart email accepted by SendGrid
(issue 10, #6), with the recipe's delay and idle time set to 0.

Runs `web` under gunicorn (Procfile) and 2 workers (`python -m bench.zero_delay_worker`: the
real worker with the recipe's lower bounds lowered to 0, see that module) on DATABASE_URL +
REDIS_URL, and the sandbox SendGrid on loopback. BENCH_CHECKOUTS (default 20) shoppers each
create a checkout, one every 0.5 s; the time from posting the webhook to the sandbox accepting
the email (`POST /v3/mail/send` answered 202) is measured per shopper. Baseline in the same
run: the webhook's own answer time (what the rest of the pipeline adds on top).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
import urllib.request
import uuid
from typing import Any

import redis
from rq import Worker
from sqlalchemy import delete, select

from app.core.configs import save_config
from app.core.store_settings import StoreSettings, save_store_settings
from app.db import Database
from app.db.models import Enrollment, InboundEvent, Message, Store
from bench.app_processes import (
    SHOPIFY_SECRET,
    add_store,
    bench_environment,
    gunicorn,
    workers,
)
from bench.load_generator import FIXTURES, percentile
from bench.zero_delay_worker import zero_delay
from sandbox.sendgrid import SandboxConfig, create_app, sandbox_state
from sandbox.serving import ServerThread

API_KEY = "SG.bench-end-to-end"
TIMEOUT = 30.0
WORKER = "bench.zero_delay_worker"
WARMUP = 2


def _configure(database: Database, store_id: int) -> None:
    """A sender, no quiet hours or cap (the run must not depend on the hour), abandoned cart on
    with no delay, no idle time and no holdout."""
    with zero_delay(), database.session_scope() as session:
        store = session.get(Store, store_id)
        assert store is not None  # noqa: S101 - just created
        save_store_settings(
            store,
            StoreSettings(
                sender_name="Bench Shop",
                sender_email="hello@bench.example",
                postal_address="1 Bench Street\nOttawa ON K2P 1L4, Canada",
                quiet_hours_enabled=False,
                frequency_cap_hours=0,
            ),
        )
        save_config(
            session,
            store,
            "abandoned_cart",
            {"step_delays_hours": [0, 24, 72], "idle_minutes": 0, "holdout_percent": 0},
            enabled=True,
        )


def _checkout(port: int, shop: str, number: int, run: str) -> tuple[str, float, float]:
    """Post one signed checkouts/create; (shopper email, sent at, answer seconds)."""
    body = json.loads((FIXTURES / "checkouts__create.json").read_text())
    email = f"e2e-{run}-{number}@bench.example"
    body.update(
        token=f"e2e-{run}-{number}",
        cart_token=f"e2e-cart-{run}-{number}",
        email=email,
        buyer_accepts_marketing=True,
        updated_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    if isinstance(body.get("customer"), dict):
        # A new shopper each time: a known one is inside the recipe's series cooldown.
        shopper = int(run, 16) * 1000 + number
        body["customer"].update(id=shopper, email=email, accepts_marketing=True)
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), raw, hashlib.sha256).digest())
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"http://127.0.0.1:{port}/webhooks/shopify",
        data=raw,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": "checkouts/create",
            "X-Shopify-Shop-Domain": shop,
            "X-Shopify-API-Version": "2026-07",
            "X-Shopify-Event-Id": email,
            "X-Shopify-Hmac-Sha256": signature.decode(),
        },
    )
    sent = time.time()
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        response.read()
    return email, sent, time.time() - sent


def run() -> dict[str, object]:
    """Checkouts one by one; webhook answer and first-email latencies."""
    count = int(os.environ.get("BENCH_CHECKOUTS", "20"))
    sendgrid_app = create_app(SandboxConfig(api_keys=(API_KEY,)))
    state = sandbox_state(sendgrid_app)
    server = ServerThread(sendgrid_app, "127.0.0.1", 0)
    server.start()
    extra = {"MAIL_BACKEND": "sendgrid", "SENDGRID_API_KEY": API_KEY}
    try:
        with bench_environment(SENDGRID_API_HOST=server.url, **extra) as environment:
            database = environment.database()
            store_id, shop = add_store(database, timezone="UTC")
            _configure(database, store_id)
            modes = os.environ.get("BENCH_WORKER_MODES", "fork,no-fork").split(",")
            results = {}
            try:
                for mode in modes:
                    options = ("--no-fork",) if mode == "no-fork" else ()
                    with (
                        gunicorn(environment.variables) as (port, _pid),
                        workers(environment.variables, 2, *options, module=WORKER),
                    ):
                        _wait_for_workers(environment.redis_url, 2)
                        _measure(state, port, shop, WARMUP)  # first requests import and connect
                        samples = _measure(state, port, shop, count)
                    results[mode] = _summary(samples, _stages(database, samples))
            finally:
                with database.session_scope() as session:
                    session.execute(delete(Store).where(Store.id == store_id))
                database.dispose()
    finally:
        server.stop()
        state.close()
    return {
        "checkouts": count,
        "workers": f"2 x python -m {WORKER} (python -m workers with delay 0 allowed)",
        "modes": results,
        "p95_ms": {mode: result["first_email_ms"]["p95"] for mode, result in results.items()},
    }


def _summary(samples: list[dict[str, Any]], stages: dict[str, object]) -> dict[str, Any]:
    latencies = sorted(sample["email_s"] for sample in samples if sample["email_s"] is not None)
    answers = sorted(sample["answer_s"] for sample in samples)
    return {
        "emails_accepted": len(latencies),
        "webhook_answer_ms": {
            "p50": round(percentile(answers, 0.5) * 1000, 1),
            "p95": round(percentile(answers, 0.95) * 1000, 1),
        },
        "first_email_ms": {
            "p50": round(percentile(latencies, 0.5) * 1000, 1),
            "p95": round(percentile(latencies, 0.95) * 1000, 1),
            "max": round(latencies[-1] * 1000, 1) if latencies else None,
        },
        "stages_p50_ms": stages,
    }


def _stages(database: Database, samples: list[dict[str, Any]]) -> dict[str, object]:
    """Where the time goes (p50 over the shoppers): webhook stored → shopper enrolled → message
    row created (the step job started), from the rows' own timestamps; the send follows."""
    by_email = {f"checkouts/create:{sample['email']}": sample["email"] for sample in samples}
    with database.session() as session:
        events = {
            by_email[external_id]: (received, processed)
            for external_id, received, processed in session.execute(
                select(
                    InboundEvent.external_id, InboundEvent.received_at, InboundEvent.processed_at
                ).where(InboundEvent.external_id.in_(by_email))
            )
        }
        messages = session.execute(
            select(Message.to_email, Enrollment.created_at, Message.created_at)
            .join(Enrollment, Enrollment.id == Message.enrollment_id)
            .where(Message.to_email.in_(by_email.values()))
        ).all()
    # (stored, enrolled, message created): processed_at is set after the enrollment.
    rows = [(events.get(email, (None,))[0], *rest) for email, *rest in messages]
    names = ("enrolled", "message_created")
    stages: dict[str, object] = {}
    for index, name in enumerate(names):
        spans = sorted(
            (row[index + 1] - row[index]).total_seconds() * 1000
            for row in rows
            if row[index + 1] is not None and row[index] is not None
        )
        stages[f"to_{name}"] = round(percentile(spans, 0.5), 1)
    return stages


def _wait_for_workers(redis_url: str, count: int) -> None:
    connection = redis.Redis.from_url(redis_url)
    deadline = time.time() + 60
    while Worker.count(connection=connection) < count and time.time() < deadline:
        time.sleep(0.2)


def _measure(state: Any, port: int, shop: str, count: int) -> list[dict[str, Any]]:
    run_id = uuid.uuid4().hex[:6]
    pending: dict[str, dict[str, Any]] = {}
    samples = []
    for number in range(count):
        email, sent, answer = _checkout(port, shop, number, run_id)
        sample = {"email": email, "sent": sent, "answer_s": answer, "email_s": None}
        pending[email] = sample
        samples.append(sample)
        deadline = time.time() + 0.5
        while time.time() < deadline:
            _collect(state, pending)
            time.sleep(0.01)
    deadline = time.time() + TIMEOUT
    while pending and time.time() < deadline:
        _collect(state, pending)
        time.sleep(0.01)
    return samples


def _collect(state: Any, pending: dict[str, dict[str, Any]]) -> None:
    for email in list(pending):
        delivery = state.mailbox.latest_to(email)
        if delivery is not None:
            sample = pending.pop(email)
            sample["email_s"] = delivery.received_at - sample["sent"]
