"""`make demo` headless: the launcher starts the sandboxes and Nudge on the embedded default,
installs both stores through the real install flows, drives shoppers until carts and emails
appear, and Ctrl-C leaves no process behind."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import PROJECT_ROOT

SETUP_TIMEOUT = 300.0
TRAFFIC_TIMEOUT = 240.0


def poll(what: str, check: Callable[[], Any], timeout: float, demo: subprocess.Popen[str]) -> Any:
    """Wait until `check()` is truthy (the demo must keep running meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert demo.poll() is None, f"the demo exited early while waiting for {what}"
        value = check()
        if value:
            return value
        time.sleep(1.0)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path, Path]]:
    """The launcher as `make demo` runs it, on a free port, in a private instance folder (its
    terminal output goes to a file, so it never blocks on a full pipe)."""
    info = tmp_path / "info.json"
    output = open(tmp_path / "demo.out", "w+")
    instance = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    argv = [
        sys.executable, "-m", "sandbox.demo", "--port", "0", "--duration", "900",
        "--instance-dir", str(instance), "--info-file", str(info),
        "--woocommerce-visits", "600",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our own launcher
        argv,
        cwd=PROJECT_ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process, info, instance
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        output.close()


def read_info(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data


def database_counts(database: Path) -> dict[str, Any]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        stores = dict(connection.execute("SELECT platform, status FROM stores").fetchall())
        carts = dict(
            connection.execute(
                "SELECT s.platform, count(*) FROM carts c JOIN stores s ON s.id = c.store_id "
                "GROUP BY s.platform"
            ).fetchall()
        )
    return {"stores": stores, "carts": carts}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_demo_installs_both_stores_sends_email_and_stops_cleanly(demo) -> None:
    process, info_file, instance = demo
    info = poll(
        "both stores installed",
        lambda: (read_info(info_file) or {}).get("installed") and read_info(info_file),
        SETUP_TIMEOUT,
        process,
    )
    http = httpx.Client(timeout=30)
    assert http.get(f"{info['app_url']}/readyz").status_code == 200
    database = instance / "nudge.db"
    assert database_counts(database)["stores"] == {"shopify": "active", "woocommerce": "active"}
    assert set(info["login_links"]) == {"shopify", "woocommerce"}
    # The Shopify admin's "open the app" reaches App Home with a valid session token.
    assert http.get(info["shopify_admin_url"], follow_redirects=True).status_code == 200

    def emails() -> list[dict[str, Any]]:
        response = http.get(f"{info['sendgrid_url']}/_sandbox/messages")
        return list(response.json()["messages"])

    poll("an email in the SendGrid inbox", emails, TRAFFIC_TIMEOUT, process)
    counts = poll(
        "carts mirrored from both stores",
        lambda: (
            (c := database_counts(database))["carts"].get("shopify")
            and c["carts"].get("woocommerce")
            and c
        ),
        TRAFFIC_TIMEOUT,
        process,
    )
    assert counts["carts"]["shopify"] > 0 and counts["carts"]["woocommerce"] > 0
    assert http.get(info["inbox_url"]).status_code == 200
    shop_carts = http.get(f"{info['shopify_url']}/sandbox/shops/{info['shop']}/carts").json()
    assert shop_carts

    process.send_signal(signal.SIGINT)  # Ctrl-C
    process.wait(timeout=120)
    output = (instance.parent / "demo.out").read_text()
    assert process.returncode == 0, output[-3000:]
    assert "everything stopped" in output
    left = {name: pid for name, pid in info["pids"].items() if alive(pid)}
    assert left == {}, f"processes left running: {left}"
    assert not (instance / "redis.url").exists()
