"""Nudge's own processes in the demo: web (gunicorn), workers and the clock, as in the Procfile.

Each runs in its own process group with its output in instance/demo/logs/<name>.log, so Ctrl-C
in the terminal reaches only the launcher, which then stops every group it started: first
SIGTERM (warm shutdown), then SIGKILL for anything still there after the grace period.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from app.config import PROJECT_ROOT

BIN = Path(sys.executable).parent
#: Two workers, queues in priority order. A worker serves its first queue before the others, so
#: while the simulator's history floods `inbound`, the second keeps claiming and sending steps.
WORKER_QUEUES = (
    ("inbound", "steps", "default", "bulk"),
    ("steps", "default", "inbound", "bulk"),
)


class DemoError(RuntimeError):
    """The demo cannot go on; the message says why and where to look."""


@dataclass
class AppProcess:
    """One started process and its log."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        """Its process id (also its process group id)."""
        return self.popen.pid

    def running(self) -> bool:
        """True until it exits."""
        return self.popen.poll() is None

    def tail(self, lines: int = 15) -> str:
        """The end of its log."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def start_process(name: str, argv: list[str], env: dict[str, str], logs: Path) -> AppProcess:
    """Start one process in its own session, output to logs/<name>.log."""
    log = logs / f"{name}.log"
    with open(log, "ab") as output:
        popen = subprocess.Popen(  # noqa: S603 - fixed argv of our own tools
            argv,
            env=env,
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return AppProcess(name, popen, log)


def start_app(env: dict[str, str], port: int, logs: Path) -> list[AppProcess]:
    """web + workers + clock."""
    web = [
        str(BIN / "gunicorn"),
        "--config",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "app:create_app()",
    ]
    processes = [start_process("web", web, env, logs)]
    for number, queues in enumerate(WORKER_QUEUES, start=1):
        name = f"demo-worker-{number}-{port}"
        argv = [sys.executable, "-m", "workers", *queues, "--no-fork", "--name", name]
        processes.append(start_process(f"worker-{number}", argv, env, logs))
    clock = [str(BIN / "rq"), "cron", "workers.cron", "--url", env["REDIS_URL"]]
    processes.append(start_process("clock", clock, env, logs))
    return processes


def check_alive(processes: list[AppProcess]) -> None:
    """DemoError naming the first process that exited, with the end of its log."""
    for process in processes:
        if not process.running():
            raise DemoError(
                f"{process.name} exited with {process.popen.returncode}; "
                f"end of {process.log}:\n{process.tail()}"
            )


def wait_until_ready(url: str, processes: list[AppProcess], timeout: float = 60.0) -> None:
    """Poll /readyz until it answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check_alive(processes)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local URL
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise DemoError(f"{url} did not answer 200 within {timeout:.0f} s; see {processes[0].log}")


def stop_processes(processes: list[AppProcess], grace: float = 20.0) -> None:
    """SIGTERM every group, wait up to `grace` seconds, SIGKILL what is left."""
    for process in processes:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.popen.wait(timeout=5)
        # The work horses of an RQ worker share its group: make sure none outlives it.
        _signal_group(process, signal.SIGKILL)


def _signal_group(process: AppProcess, number: signal.Signals) -> None:
    try:
        os.killpg(process.pid, number)
    except ProcessLookupError:
        pass
