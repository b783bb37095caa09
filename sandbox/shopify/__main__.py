"""python -m sandbox.shopify --port N --api-key K --api-secret S --app-url URL

Runs the sandbox Shopify on 127.0.0.1 (threaded werkzeug server) until Ctrl-C/SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys

from werkzeug.serving import make_server

from sandbox.shopify import create_app
from sandbox.shopify.config import SandboxConfig


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.shopify", description=__doc__)
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--api-key", required=True, help="the app's client id")
    parser.add_argument("--api-secret", required=True, help="the app's client secret")
    parser.add_argument(
        "--app-url", required=True, help="the app's origin, e.g. http://127.0.0.1:8000"
    )
    parser.add_argument("--app-home-path", default="/shopify")
    parser.add_argument("--webhook-path", default="/webhooks/shopify")
    parser.add_argument("--public-url", help="this sandbox's URL for storefront links")
    parser.add_argument(
        "--token-ttl", type=float, default=3600.0, help="offline token lifetime (s)"
    )
    parser.add_argument("--bulk-job-delay", type=float, default=0.2)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    config = SandboxConfig(
        api_key=args.api_key,
        api_secret=args.api_secret,
        app_url=args.app_url,
        app_home_path=args.app_home_path,
        webhook_path=args.webhook_path,
        compliance_webhook_path=args.webhook_path,
        public_url=args.public_url or f"http://{args.host}:{args.port}",
        access_token_ttl=args.token_ttl,
        bulk_job_delay=args.bulk_job_delay,
    )
    app = create_app(config)
    server = make_server(args.host, args.port, app, threaded=True)

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"sandbox shopify on http://{args.host}:{args.port} (control API under /sandbox)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.extensions["shopify_sandbox"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
