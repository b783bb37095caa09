"""python -m sandbox.simulator: seed sandbox stores and drive shoppers from the command line.

    python -m sandbox.simulator --shopify http://127.0.0.1:8100 --shop acme \
        --woocommerce http://127.0.0.1:8200 --store store-a --sendgrid http://127.0.0.1:3030 \
        --seed 7 --duration 600 --rate visits_per_hour=120 --rate purchase=0.3

Creates the shop/store if missing (`--create`), seeds the catalog and customers (what exists is
kept), then shops until --visits per store, --duration seconds, or Ctrl-C. --seed-only stops
after seeding. Prints the seeding report, then a summary every 30 s and at the end.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from sandbox.simulator.config import ConfigError, SimulatorConfig
from sandbox.simulator.control import SimulatorError
from sandbox.simulator.runner import Simulator


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.simulator",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--shopify", metavar="URL", help="sandbox Shopify origin")
    parser.add_argument("--shop", default="sim-shop", help="shop handle (default sim-shop)")
    parser.add_argument("--woocommerce", metavar="URL", help="sandbox WooCommerce origin")
    parser.add_argument("--store", default="sim-store", help="store slug (default sim-store)")
    parser.add_argument("--sendgrid", metavar="URL", help="sandbox SendGrid origin (inboxes)")
    parser.add_argument("--create", action="store_true", help="create the shop/store if missing")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--products", type=int, default=24)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--visits", type=int, help="visits per store, then stop")
    parser.add_argument("--duration", type=float, help="seconds, then stop")
    parser.add_argument("--unpaced", action="store_true", help="no waiting between visits")
    parser.add_argument("--fast-forward-hours", type=float, default=0.0)
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument(
        "--rate", action="append", default=[], metavar="NAME=VALUE", help="a Rates field"
    )
    parser.add_argument("--seed-only", action="store_true", help="seed, then exit")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> SimulatorConfig:
    """The SimulatorConfig the options describe (ConfigError when one is out of range)."""
    rates: dict[str, Any] = {}
    for item in args.rate:
        name, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--rate {item!r}: expected NAME=VALUE")
        try:
            rates[name] = json.loads(value)
        except ValueError:
            raise ConfigError(f"--rate {item!r}: the value is not a number") from None
    return SimulatorConfig.from_mapping(
        {
            "seed": args.seed,
            "products": args.products,
            "customers": args.customers,
            "fast_forward_hours": args.fast_forward_hours,
            "speed": args.speed,
            "rates": rates,
        }
    )


def build(args: argparse.Namespace, config: SimulatorConfig) -> Simulator:
    """A simulator with the stores named on the command line."""
    if not args.shopify and not args.woocommerce:
        raise ConfigError("name at least one store: --shopify URL and/or --woocommerce URL")
    if args.unpaced and args.visits is None and args.duration is None:
        raise ConfigError("--unpaced needs --visits or --duration")
    simulator = Simulator(config, sendgrid_url=args.sendgrid)
    if args.shopify:
        shop = simulator.add_shopify(args.shopify, args.shop)
        if args.create:
            shop.ensure_shop(args.shop)
    if args.woocommerce:
        store = simulator.add_woocommerce(args.woocommerce, args.store)
        if args.create:
            store.ensure_store(args.store)
    return simulator


def summary(simulator: Simulator) -> str:
    """One line per counter."""
    counts = simulator.report.counts
    return "\n".join(f"  {key}: {value}" for key, value in sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    """Seed, then shop until done or interrupted."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        simulator = build(args, config_from(args))
    except ConfigError as error:
        print(f"simulator: {error}", file=sys.stderr)
        return 2
    try:
        for seeded in simulator.seed():
            print(f"seeded {seeded}")
        if args.seed_only:
            return 0
        _shop(simulator, args)
    except SimulatorError as error:
        print(f"simulator: {error}", file=sys.stderr)
        return 1
    finally:
        simulator.close()
    print("done:\n" + summary(simulator))
    return 0


def _shop(simulator: Simulator, args: argparse.Namespace) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    worker = threading.Thread(
        target=simulator.run,
        kwargs={"visits": args.visits, "duration": args.duration, "paced": not args.unpaced},
        daemon=True,
    )
    worker.start()
    try:
        while worker.is_alive() and not stop.wait(1.0):
            worker.join(29.0)
            if worker.is_alive():
                print(summary(simulator), flush=True)
    except KeyboardInterrupt:
        pass
    simulator.stop()


if __name__ == "__main__":
    sys.exit(main())
