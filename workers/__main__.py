"""`python -m workers [queue ...]`: run an RQ worker for Nudge's queues.

The worker builds its Runtime once, before forking; each job runs in a forked work horse with a
session of its own (the engine drops inherited connections after fork). SIGTERM is a warm
shutdown: the current job finishes, then the worker exits.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from rq import Worker

from app.config import Settings, SettingsError
from app.log import configure_logging
from app.runtime import Runtime
from connectors import EVENT_MAPPERS, MESSAGE_EVENT_MAPPERS
from workers import runtime
from workers.queues import ALL_QUEUES, JobQueues
from workers.serializer import JobSerializer


def preload_mappings() -> None:
    """Import every connector's mapping now: each job runs in a forked work horse, which would
    otherwise import them again for every event (about 0.3 s a job)."""
    for module_name in (*EVENT_MAPPERS.values(), *MESSAGE_EVENT_MAPPERS.values()):
        importlib.import_module(module_name)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build the runtime, and work until stopped."""
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("queues", nargs="*", default=list(ALL_QUEUES), help="queues to serve")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--name", default=None, help="worker name (default: host.pid)")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"nudge worker: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    process_runtime = Runtime(settings)
    runtime.install(process_runtime)
    preload_mappings()
    job_queues = JobQueues(process_runtime.redis)
    worker = Worker(
        [job_queues.queue(name) for name in args.queues],
        connection=process_runtime.redis,
        serializer=JobSerializer,
        name=args.name,
    )
    logging.getLogger(__name__).info("serving queues %s", ", ".join(args.queues))
    worker.work(burst=args.burst, with_scheduler=True, logging_level=settings.log_level)
    return 0


if __name__ == "__main__":
    sys.exit(main())
