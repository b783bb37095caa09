"""The real worker process (`python -m workers`) and the clock's cron jobs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from rq.cron import CronScheduler
from rq.job import Job, JobStatus
from sqlalchemy import select

import connectors
from app.core.inbox import accept_event
from app.db.models import InboundEvent
from tests.factories import make_store
from workers.queues import DEFAULT, JobQueues
from workers.serializer import JobSerializer


def worker_env(settings) -> dict[str, str]:
    """The environment a deployed worker would have, pointing at the test services."""
    return {
        **os.environ,
        "SECRET_KEY": settings.secret_key,
        "ENCRYPTION_KEY": settings.encryption_key,
        "APP_URL": settings.app_url,
        "SENDGRID_API_KEY": settings.sendgrid_api_key,
        "DATABASE_URL": settings.sqlalchemy_url,
        "REDIS_URL": settings.redis_url,
        "PYTHONPATH": os.getcwd(),
    }


#: `python -m workers`, with the test platform's mapping registered first.
WORKER = (
    "import sys, connectors;"
    "connectors.EVENT_MAPPERS['testplatform'] = 'tests.fake_platform';"
    "from workers.__main__ import main; sys.exit(main(sys.argv[1:]))"
)


def run_worker(settings, *queues: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WORKER, *queues, "--burst"],
        env=worker_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_forked_worker_processes_a_stored_event(settings, committed_db, redis_client) -> None:
    with committed_db.session_scope() as session:
        store = make_store(session)
        accepted = accept_event(
            session,
            platform="testplatform",
            store_id=store.id,
            external_id="evt-w",
            topic="customers/update",
            body='{"id": 5, "email": "w@example.com"}',
        )
    JobQueues(redis_client).enqueue_inbound_event(accepted.event_id)

    result = run_worker(settings, "inbound")

    assert result.returncode == 0, result.stderr
    with committed_db.session() as session:
        event = session.execute(select(InboundEvent)).scalar_one()
        assert event.status == "done", (event.error, result.stderr[-2000:])


@pytest.mark.slow
def test_cron_payloads_run_on_the_json_worker(settings, committed_db, redis_client) -> None:
    scheduler = CronScheduler(connection=redis_client)
    scheduler.load_config_from_file("workers.cron")
    names = {job.func_name for job in scheduler.get_jobs()}
    assert "workers.maintenance.requeue_stalled_events" in names
    scheduler.enqueue_jobs()
    job_ids = JobQueues(redis_client).queue(DEFAULT).job_ids
    assert job_ids

    result = run_worker(settings, DEFAULT)

    assert result.returncode == 0, result.stderr
    job = Job.fetch(job_ids[0], connection=redis_client, serializer=JobSerializer)
    assert job.get_status() == JobStatus.FINISHED, result.stderr[-2000:]


def test_unknown_platform_is_named(monkeypatch) -> None:
    with pytest.raises(connectors.UnknownPlatform, match="nowhere"):
        connectors.event_mapper("nowhere")
