"""What every job shares: the process's Runtime, a session per job, and error → retry mapping.

RQ imports jobs by dotted name, so the worker process installs its Runtime here once at start
(`python -m workers`, or a test) and jobs read it with `current()`.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from rq import get_current_job

from app.config import Settings
from app.core.ports import AuthRevoked, ConnectorError, RateLimited
from app.runtime import Runtime
from workers.queues import JobQueues

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_runtime: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    """Make `runtime` the one jobs in this process use (None forgets it)."""
    global _runtime
    _runtime = runtime


def current() -> Runtime:
    """The installed Runtime; built from the environment the first time if none was installed."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(Settings.from_env())
    return _runtime


def queues() -> JobQueues:
    """Enqueue functions bound to this process's Redis."""
    return JobQueues(current().redis)


def job(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap a job: log context, and map connector errors to RQ's retry decisions.

    Retryable errors are re-raised for the job's Retry policy; RateLimited sets the next wait
    to what the platform asked for. Permanent and AuthRevoked errors use up the retries so the
    job fails once, visibly, instead of hammering a platform that said no.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except RateLimited as error:
            _set_next_retry_wait(math.ceil(error.retry_after) or 1)
            log.warning("%s rate limited; retry in %.0fs", func.__name__, error.retry_after)
            raise
        except ConnectorError as error:
            if not error.retryable:
                _give_up()
                level = logging.ERROR if isinstance(error, AuthRevoked) else logging.WARNING
                log.log(level, "%s failed permanently: %s", func.__name__, error)
            raise

    return wrapper


def _set_next_retry_wait(seconds: int) -> None:
    current_job = get_current_job()
    if current_job is not None and current_job.retries_left:
        # Replace only the interval RQ uses for this retry (index len - retries_left, see
        # Job.get_retry_interval); later retries keep their backoff. Replacing the whole list
        # made every later retry wait what one 429 asked (a second or two), so an outage that
        # began with a 429 burned all the retries within seconds.
        intervals = list(current_job.retry_intervals or [seconds])
        index = max(len(intervals) - current_job.retries_left, 0)
        intervals[index] = seconds
        current_job.retry_intervals = intervals


def _give_up() -> None:
    current_job = get_current_job()
    if current_job is not None:
        current_job.retries_left = 0
