"""Connector errors become RQ retry decisions: wait as asked, back off, or fail once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from rq import Retry, SimpleWorker
from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry

from tests.integration.test_worker_process import worker_env
from workers.queues import DEFAULT, JobQueues
from workers.serializer import JobSerializer


def run_one(redis_client, func: str, *args, retry=None):
    queues = JobQueues(redis_client)
    queue = queues.queue(DEFAULT)
    job = queue.enqueue(func, args=args, retry=retry or Retry(max=3, interval=[5, 60, 300]))
    SimpleWorker([queue], connection=redis_client, serializer=JobSerializer).work(burst=True)
    job.refresh()
    return queue, job


def scheduled_in(queue, job) -> float:
    registry = ScheduledJobRegistry(queue=queue)
    when = registry.get_scheduled_time(job)
    return (when - datetime.now(UTC)).total_seconds()


def test_rate_limited_waits_as_long_as_the_platform_asked(redis_client) -> None:
    queue, job = run_one(redis_client, "tests.jobs_for_tests.raise_rate_limited", 42.0)
    assert job.get_status() == JobStatus.SCHEDULED
    assert job.retries_left == 2
    assert 35 < scheduled_in(queue, job) <= 42


def test_transient_backs_off_by_policy(redis_client) -> None:
    queue, job = run_one(redis_client, "tests.jobs_for_tests.raise_transient")
    assert job.get_status() == JobStatus.SCHEDULED
    assert 0 < scheduled_in(queue, job) <= 5


@pytest.mark.parametrize("func", ["raise_permanent", "raise_auth_revoked"])
def test_permanent_errors_fail_once_without_retries(redis_client, func: str) -> None:
    _queue, job = run_one(redis_client, f"tests.jobs_for_tests.{func}")
    assert job.get_status() == JobStatus.FAILED
    assert job.retries_left == 0


@pytest.mark.slow
@pytest.mark.parametrize("mode", [[], ["--no-fork"]], ids=["fork", "no-fork"])
def test_sigterm_lets_the_running_job_finish(settings, redis_client, tmp_path, mode) -> None:
    marker = tmp_path / "done.txt"
    JobQueues(redis_client).queue(DEFAULT).enqueue(
        "tests.jobs_for_tests.sleep_then_write", args=(str(marker), 2.0)
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers", DEFAULT, *mode],
        env=worker_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while JobQueues(redis_client).queue(DEFAULT).count and time.monotonic() < deadline:
            time.sleep(0.1)  # wait until the worker has taken the job
        time.sleep(0.5)
        os.kill(worker.pid, signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, output
    assert marker.read_text() == "finished", output
