"""The dry run from the editor: validated, queued (never run in the request), run by a worker
with progress, and its results shown on the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from app.core import dry_runs, preview
from app.core.progress import visible_progress
from app.core.tenancy import StoreScope
from app.db.base import utcnow
from app.db.models import RecipeConfig
from tests.admin_data import bearer
from tests.integration.admin.conftest import ALPHA_SHOP
from tests.integration.engine_support import Engine, cart, customer_data
from workers.queues import BULK, JobQueues, QueueUnavailable
from workers.serializer import JobSerializer

DRY_RUN = "/admin/recipes/abandoned_cart/dry-run"
EDITOR = "/admin/recipes/abandoned_cart"
SHOPPERS = [customer_data(number) for number in (1, 2, 3)]


def post(client, path: str, data):
    return client.post(path, data=data, headers=bearer(ALPHA_SHOP))


def page(client) -> str:
    return client.get(EDITOR, headers=bearer(ALPHA_SHOP)).get_data(as_text=True)


def queued(runtime) -> int:
    return len(JobQueues(runtime.redis).queue(BULK))


def work(runtime) -> None:
    queue = JobQueues(runtime.redis).queue(BULK)
    SimpleWorker([queue], connection=runtime.redis, serializer=JobSerializer).work(burst=True)


@pytest.fixture
def mirrored_carts(session, tenants) -> Engine:
    """Three shoppers' abandoned carts of the last week, mirrored with no recipe on."""
    harness = Engine(session, tenants.alpha)
    for days, shopper in zip((6, 4, 2), SHOPPERS, strict=True):
        at = utcnow() - timedelta(days=days)
        harness.ingest(cart(f"tok-{shopper.platform_id}", shopper, at), at=at)
    return harness


def test_a_dry_run_is_queued_then_run_by_a_worker_with_its_results_shown(
    client, session, tenants, runtime, mirrored_carts
):
    form = {"step_delays_hours": "2", "discount_step": "1", "holdout_percent": "0"}
    response = post(client, DRY_RUN, form)
    assert response.status_code == 303
    assert "notice=dry_run_started" in response.headers["Location"]
    assert response.headers["Location"].endswith("#dry-run")
    assert queued(runtime) == 1
    session.refresh(tenants.alpha)
    [running] = visible_progress(tenants.alpha)
    assert (running.operation, running.state) == ("dry_run:abandoned_cart", "running")
    waiting = page(client)
    assert "data-reload-when-finished" in waiting
    assert "Dry run: Abandoned cart, last 30 days" in waiting

    work(runtime)

    session.refresh(tenants.alpha)
    [finished] = visible_progress(tenants.alpha)
    assert finished.state == "done" and finished.message == "3 emails to 3 customers"
    html = page(client)
    assert "data-reload-when-finished" not in html
    assert 'Would send</span><span class="metric__value">3<' in html
    for shopper in SHOPPERS:
        assert shopper.email in html
    # The settings typed were replayed; nothing was saved, enrolled or sent.
    assert session.scalars(select(RecipeConfig)).all() == []
    assert mirrored_carts.enrollments() == []
    assert [m.subject for m in mirrored_carts.messages()] == ["Alpha reminder"]  # tenants' own
    polled = client.get(
        "/admin/progress", headers={**bearer(ALPHA_SHOP), "Accept": "application/json"}
    ).json["operations"]
    assert [(item["operation"], item["state"]) for item in polled] == [
        ("dry_run:abandoned_cart", "done")
    ]


def test_the_job_reports_progress_as_it_replays(
    session, tenants, runtime, mirrored_carts, monkeypatch
):
    monkeypatch.setattr(preview, "PROGRESS_EVERY", 1)
    seen: list[tuple[int, int | None, str]] = []
    original = dry_runs.record_progress

    def spy(session, store, operation, **values):
        seen.append((values["done"], values.get("total"), values.get("state", "running")))
        return original(session, store, operation, **values)

    monkeypatch.setattr(dry_runs, "record_progress", spy)
    dry_runs.start_dry_run(session, tenants.alpha, "abandoned_cart")
    session.commit()
    JobQueues(runtime.redis).enqueue_dry_run(
        tenants.alpha.id, "abandoned_cart", '{"holdout_percent": 0}', 30, "run1"
    )
    work(runtime)
    assert seen == [(0, None, "running"), (1, 3, "running"), (2, 3, "running"),
                    (3, 3, "running"), (3, None, "done")]  # fmt: skip
    session.refresh(tenants.alpha)
    summary = dry_runs.dry_run_summary(StoreScope(session, tenants.alpha), "abandoned_cart")
    assert summary is not None and summary.enrolled == 3
    assert summary.codes == 3 and summary.settings["holdout_percent"] == 0
    assert {email.email for email in summary.emails} == {s.email for s in SHOPPERS}


def test_invalid_settings_start_nothing(client, session, tenants, runtime):
    response = post(client, DRY_RUN, {"idle_minutes": "1", "step_delays_hours": "x"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="idle_minutes-error">Must be at least 15.' in html
    assert queued(runtime) == 0
    session.refresh(tenants.alpha)
    assert visible_progress(tenants.alpha) == []


def test_a_second_click_while_running_starts_nothing_more(client, session, tenants, runtime):
    assert post(client, DRY_RUN, {}).status_code == 303
    again = post(client, DRY_RUN, {})
    assert "notice=dry_run_running" in again.headers["Location"]
    assert queued(runtime) == 1


def test_a_dry_run_that_cannot_be_queued_says_so(client, session, tenants, monkeypatch):
    def unavailable(self, *args):
        raise QueueUnavailable("redis is down")

    monkeypatch.setattr(JobQueues, "enqueue_dry_run", unavailable)
    response = post(client, DRY_RUN, {})
    assert response.status_code == 503
    session.refresh(tenants.alpha)
    [stopped] = visible_progress(tenants.alpha)
    assert stopped.state == "failed" and "unavailable" in stopped.message
    assert "The job queue was unavailable." in page(client)


def test_a_failing_replay_is_reported_as_stopped(session, tenants, runtime, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("mirror unreadable")

    monkeypatch.setattr(dry_runs, "preview", broken)
    dry_runs.start_dry_run(session, tenants.alpha, "birthday")
    session.commit()
    JobQueues(runtime.redis).enqueue_dry_run(tenants.alpha.id, "birthday", "{}", 30, "run2")
    work(runtime)
    session.refresh(tenants.alpha)
    [stopped] = visible_progress(tenants.alpha)
    assert stopped.state == "failed"
    assert stopped.message == "The dry run stopped: mirror unreadable"
