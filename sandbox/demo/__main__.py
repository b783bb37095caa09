"""python -m sandbox.demo (what `make demo` runs).

Starts the sandbox Shopify, WooCommerce and SendGrid, Nudge's web, workers and clock on the
embedded default (a fresh SQLite file under instance/demo and an embedded Redis), installs Nudge
into one shop and one store through the real install flows, switches the recipes on, drives
simulated shoppers, and prints where to look. Ctrl-C (or SIGTERM, or --duration) stops it all.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from sandbox.demo.environment import DEFAULT_DIR, DemoPaths
from sandbox.demo.launcher import Demo, DemoOptions, stop_on_signals


def parse_args(argv: list[str]) -> DemoOptions:
    """The command line as DemoOptions."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.demo", description=__doc__)
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or 8000),
        help="Nudge's port (default $PORT or 8000; 0: any free one)",
    )
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    parser.add_argument("--seed", type=int, default=7, help="the shoppers' seed")
    parser.add_argument("--instance-dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument(
        "--fast-forward-hours", type=float, default=26.0, help="Shopify history to replay (h)"
    )
    parser.add_argument("--speed", type=float, default=400.0, help="replay speed (x real time)")
    parser.add_argument(
        "--shopify-visits", type=float, default=6.0, help="Shopify visits per simulated hour"
    )
    parser.add_argument(
        "--woocommerce-visits", type=float, default=90.0, help="WooCommerce visits per hour"
    )
    parser.add_argument("--info-file", type=Path, help="write the URLs and process ids here (JSON)")
    args = parser.parse_args(argv)
    if not 0 <= args.port < 65536:
        parser.error("--port must be 0-65535")
    return DemoOptions(
        port=args.port,
        duration=args.duration,
        seed=args.seed,
        instance_dir=args.instance_dir,
        fast_forward_hours=args.fast_forward_hours,
        speed=args.speed,
        shopify_visits_per_hour=args.shopify_visits,
        woocommerce_visits_per_hour=args.woocommerce_visits,
        info_file=args.info_file,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the demo until it is stopped."""
    options = parse_args(sys.argv[1:] if argv is None else argv)
    stop_on_signals()
    # The in-process sandboxes would log every request; their work shows in the status lines.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    return Demo(options, DemoPaths(options.instance_dir or DEFAULT_DIR)).run()


if __name__ == "__main__":
    sys.exit(main())
