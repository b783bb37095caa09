"""`python -m sandbox.woocommerce --port 8100 [--store store-a ...]`: serve the sandbox."""

from __future__ import annotations

import argparse
import sys

from werkzeug.serving import make_server

from sandbox.woocommerce.app import create_app


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.woocommerce", description=__doc__)
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument("--port", type=int, default=8100, help="port (default 8100)")
    parser.add_argument(
        "--store", action="append", default=[], help="create this store at start (repeatable)"
    )
    parser.add_argument("--snippet-url", help="the <script src> every storefront page loads")
    parser.add_argument(
        "--auto-approve", action="store_true", help="grant /wc-auth requests without a click"
    )
    parser.add_argument("--timezone", default="UTC", help="time zone of the stores")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    defaults = {
        "snippet_url": args.snippet_url,
        "auto_approve": args.auto_approve,
        "timezone": args.timezone,
    }
    app = create_app({"defaults": defaults, "stores": {slug: {} for slug in args.store}})
    server = make_server(args.host, args.port, app, threaded=True)
    stores = ", ".join(args.store) or "none"
    print(f"sandbox WooCommerce on http://{args.host}:{server.server_port}/ (stores: {stores})")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["woo_deliverer"].stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
