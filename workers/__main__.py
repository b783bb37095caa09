"""`python -m workers [queue ...]`: run an RQ worker for Nudge's queues.

The worker builds its Runtime once, before forking; each job runs in a forked work horse with a
session of its own (the engine drops inherited connections after fork). `--no-fork` (the
Procfile's mode) runs jobs in the worker process itself (RQ's SimpleWorker): no fork and warm
caches per job, several times the throughput (bench/README.md), at the cost of the isolation a
horse gives. SIGTERM is a warm shutdown: the current job finishes, then the worker exits.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from rq import SimpleWorker, Worker

from app.config import Settings, SettingsError
from app.log import configure_logging
from app.runtime import Runtime
from connectors import EVENT_MAPPERS, MESSAGE_EVENT_MAPPERS
from workers import handlers, runtime
from workers.queues import ALL_QUEUES, JOB_MODULES, JobQueues
from workers.serializer import JobSerializer

#: Modules jobs import lazily besides the job modules themselves (workers.queues.JOB_MODULES)
#: and the connectors' mappings: the connectors and the mail sender. (Not workers.cron:
#: importing it registers the clock's jobs.)
PRELOADED = (
    "workers.credentials",
    "workers.connections",
    "connectors.shopify.connector",
    "connectors.woocommerce.connector",
    "connectors.messaging.sendgrid",
)


def preload(process_runtime: Runtime) -> None:
    """Do once, before the first job, what every job would otherwise redo (in a forked work
    horse, for every job): import the job, mapping and connector modules, build the event
    router, load the database driver, build the mail sender and compile the email templates.
    Profiled (issue 10): without it a job spent 0.3-0.7 s importing."""
    mappings = (*EVENT_MAPPERS.values(), *MESSAGE_EVENT_MAPPERS.values())
    for module_name in (*JOB_MODULES, *mappings, *PRELOADED):
        importlib.import_module(module_name)
    handlers.router()
    from workers import services

    # Building the engine imports the dialect and the driver; no connection is opened (the
    # worker still starts while the database is down, and each work horse connects itself).
    driver = process_runtime.db.engine.dialect.driver
    logging.getLogger(__name__).debug("database driver %s loaded", driver)
    services.message_sender(process_runtime)
    renderer = services.email_renderer(process_runtime)
    warm = getattr(renderer, "warm", None)
    if callable(warm):
        warm()


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, build the runtime, and work until stopped."""
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("queues", nargs="*", default=list(ALL_QUEUES), help="queues to serve")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--name", default=None, help="worker name (default: host.pid)")
    parser.add_argument(
        "--no-fork",
        action="store_true",
        help="run jobs in this process (RQ's SimpleWorker) instead of a forked work horse per "
        "job: several times the throughput; a job that crashes the interpreter takes the "
        "worker with it (its job is then failed by RQ's registry cleanup and retried)",
    )
    parser.add_argument(
        "--max-jobs",
        type=int,
        default=None,
        help="exit after this many jobs (the process "
        "manager starts a fresh one: bounds what a long-lived --no-fork worker accumulates)",
    )
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"nudge worker: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    process_runtime = Runtime(settings)
    runtime.install(process_runtime)
    preload(process_runtime)
    job_queues = JobQueues(process_runtime.redis)
    worker_class = SimpleWorker if args.no_fork else Worker
    worker = worker_class(
        [job_queues.queue(name) for name in args.queues],
        connection=process_runtime.redis,
        serializer=JobSerializer,
        name=args.name,
    )
    logging.getLogger(__name__).info("serving queues %s", ", ".join(args.queues))
    worker.work(
        burst=args.burst,
        with_scheduler=True,
        logging_level=settings.log_level,
        max_jobs=args.max_jobs,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
