"""The sandbox Shopify stands apart: it never imports app/, connectors/ or workers/, and
importing it starts nothing (no thread, no schema build)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sandbox_shopify_imports_no_nudge_code_and_starts_nothing() -> None:
    code = (
        "import importlib, pkgutil, sys, threading, sandbox.shopify as s;"
        "mods = pkgutil.walk_packages(s.__path__, s.__name__ + '.');"
        "[importlib.import_module(m.name) for m in mods];"
        "ours = ('app', 'connectors', 'workers');"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ours);"
        "from sandbox.shopify.schema import admin_schema;"
        "print(bad, threading.active_count(), admin_schema.cache_info().currsize)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[] 1 0"
