"""The rooms stay honest: module size, nothing at import time, a framework-free core."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = ("app", "connectors", "workers", "sandbox", "bench")


def python_sources() -> list[Path]:
    return [path for root in SOURCE_ROOTS for path in (ROOT / root).rglob("*.py")]


def test_no_module_over_500_lines() -> None:
    too_big = {
        str(path.relative_to(ROOT)): count
        for path in python_sources()
        if (count := len(path.read_text().splitlines())) > 500
    }
    assert not too_big, f"split these by concern: {too_big}"


def test_no_catch_all_modules() -> None:
    names = {"utils.py", "helpers.py", "common.py", "misc.py"}
    assert not [path for path in python_sources() if path.name in names]


def run_isolated(code: str) -> str:
    """Run Python with an empty environment (no settings at all) and return stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_importing_everything_needs_no_settings_and_starts_nothing() -> None:
    # No environment at all: any Settings.from_env(), engine or client at import would fail or
    # leave a thread behind.
    out = run_isolated(
        "import threading, app, app.db.models, app.web, workers.cron, workers.events,"
        " workers.handlers, connectors;"
        "print(threading.active_count())"
    )
    assert out == "1"


def test_the_core_imports_no_framework_or_network_library() -> None:
    out = run_isolated(
        "import sys, pkgutil, importlib, app.core;"
        "[importlib.import_module(m.name) for m in"
        " pkgutil.walk_packages(app.core.__path__, 'app.core.')];"
        "bad = ('flask', 'rq', 'redis', 'httpx', 'requests', 'connectors', 'workers', 'app.web');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in bad or m.startswith('app.web')))"
    )
    assert out == "[]"
