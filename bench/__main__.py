"""`python -m bench [name ...]`: run benchmarks, print JSON, keep a copy in bench/results/."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

#: name → module exposing `run() -> dict`.
BENCHMARKS = {
    "inbox_accept": "bench.inbox_accept",
    "audience_queries": "bench.audience_queries",
    "codes": "bench.codes",
    "sending": "bench.sending",
    "webhook_ingest": "bench.webhook_ingest",
    "event_processing": "bench.event_processing",
    "end_to_end": "bench.end_to_end",
}


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": os.environ.get("DATABASE_URL", "embedded sqlite").split("@")[-1],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the named benchmarks (default: all)."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", default=list(BENCHMARKS))
    args = parser.parse_args(argv)
    RESULTS.mkdir(exist_ok=True)
    for name in args.names:
        result = {
            "benchmark": name,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            **importlib.import_module(BENCHMARKS[name]).run(),
        }
        text = json.dumps(result, indent=2, default=str)
        print(text)
        stamp = result["at"].replace(":", "").replace("+0000", "Z")
        (RESULTS / f"{name}-{stamp}.json").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
