"""Nudge's own processes for the benchmarks that measure them from outside: the environment they
read, `web` under gunicorn exactly as the Procfile runs it, and `worker` processes.

DATABASE_URL and REDIS_URL are used when set (the figures that count are on PostgreSQL + Redis);
unset, a SQLite file and an embedded Redis in a temporary folder stand in, so the smoke tests run
anywhere.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from app.config import normalize_database_url
from app.db import Database
from app.db.migrations import upgrade_to_head
from app.db.models import Store
from app.embedded import ensure_embedded_redis, stop_embedded_redis
from sandbox.demo.environment import free_port

ROOT = Path(__file__).resolve().parent.parent
#: What Procfile's `web` line runs.
WEB_APP = "app:create_app()"
SHOPIFY_SECRET = "bench-shopify-client-secret-0123456789abcdef"  # noqa: S105 - local only


@dataclass
class BenchEnvironment:
    """Where the measured processes keep their data, and the variables that say so."""

    database_url: str
    redis_url: str
    variables: dict[str, str]
    folder: Path

    def database(self) -> Database:
        """A Database on the same URL, for setting up and counting rows."""
        return Database(self.database_url)


@contextmanager
def bench_environment(**extra: str) -> Iterator[BenchEnvironment]:
    """A migrated database and a Redis, and the environment Nudge's processes need for them."""
    folder = Path(tempfile.mkdtemp(prefix="nudge-bench-"))
    url = os.environ.get("DATABASE_URL", "").strip()
    database_url = normalize_database_url(url) if url else f"sqlite:///{folder / 'bench.db'}"
    upgrade_to_head(database_url)
    redis_url = os.environ.get("REDIS_URL", "").strip() or ensure_embedded_redis(folder)
    variables = {
        "SECRET_KEY": uuid.uuid4().hex,
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "APP_URL": "https://nudge.bench.example",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SHOPIFY_API_KEY": "bench-client-id",
        "SHOPIFY_API_SECRET": SHOPIFY_SECRET,
        "MAIL_BACKEND": "smtp",
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        **extra,
    }
    try:
        yield BenchEnvironment(database_url, redis_url, variables, folder)
    finally:
        stop_embedded_redis(folder)


def add_store(database: Database, **values: object) -> tuple[int, str]:
    """An active Shopify store; returns (id, domain)."""
    domain = f"bench-{uuid.uuid4().hex[:8]}.myshopify.com"
    with database.session_scope() as session:
        store = Store(
            platform="shopify",
            domain=domain,
            key=uuid.uuid4().hex,
            status="active",
            name="Bench Shop",
            **values,
        )
        session.add(store)
        session.flush()
        return store.id, domain


def _environ(variables: Mapping[str, str]) -> dict[str, str]:
    return {**os.environ, **variables, "PYTHONPATH": str(ROOT)}


@contextmanager
def gunicorn(
    variables: Mapping[str, str], app: str = WEB_APP, ready_path: str = "/healthz"
) -> Iterator[tuple[int, int]]:
    """Run `gunicorn --config gunicorn.conf.py APP` (Procfile's `web`); yields (port, pid)."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", app],
        cwd=ROOT,
        env=_environ({**variables, "PORT": str(port)}),
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}{ready_path}", process)
        yield port, process.pid
    finally:
        stop(process)


@contextmanager
def workers(
    variables: Mapping[str, str], count: int, *args: str, module: str = "workers"
) -> Iterator[list[int]]:
    """Run `count` × `python -m workers ARGS` (Procfile's `worker`); yields their pids."""
    processes = [
        subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=_environ(variables),
        )
        for _ in range(count)
    ]
    try:
        yield [process.pid for process in processes]
    finally:
        for process in processes:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (graceful), then SIGKILL after 20 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (a forked work horse), in MB."""
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children, live or reaped.

    Reaped children count through the process's cutime/cstime: a forking worker's work horse
    that finished between two samples would otherwise vanish from the difference."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for candidate in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{candidate}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, cutime, cstime: fields 14-17 of proc(5)'s /proc/PID/stat.
        total += sum(int(value) for value in fields[11:15])
    return total / ticks


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]
