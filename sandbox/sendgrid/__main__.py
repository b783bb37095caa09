"""`python -m sandbox.sendgrid --port N --event-webhook-url URL`: serve a sandbox account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from werkzeug.serving import make_server

from sandbox.sendgrid.app import create_app, sandbox_state
from sandbox.sendgrid.events import AUTO_EVENTS
from sandbox.sendgrid.state import DEFAULT_API_KEY, SandboxConfig
from sandbox.sendgrid.webhook import DeliveryPolicy


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.sendgrid", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default loopback)")
    parser.add_argument("--port", type=int, default=3030)
    parser.add_argument("--event-webhook-url", default=None, help="where events are POSTed")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        help=f"an accepted API key (repeatable; default {DEFAULT_API_KEY})",
    )
    parser.add_argument(
        "--auto-events",
        default=",".join(AUTO_EVENTS),
        help="events every accepted message generates (comma-separated; empty for none)",
    )
    parser.add_argument(
        "--batch-interval", type=float, default=1.0, help="seconds events gather per POST"
    )
    parser.add_argument(
        "--signing-key-file", type=Path, default=None, help="PEM key kept across restarts"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Serve until interrupted."""
    args = parse_args(argv)
    config = SandboxConfig(
        api_keys=tuple(args.api_keys or [DEFAULT_API_KEY]),
        event_webhook_url=args.event_webhook_url,
        auto_events=tuple(name for name in args.auto_events.split(",") if name),
        delivery=DeliveryPolicy(batch_interval=args.batch_interval),
        signing_key_file=args.signing_key_file,
    )
    app = create_app(config)
    state = sandbox_state(app)
    server = make_server(args.host, args.port, app, threaded=True)
    origin = f"http://{args.host}:{server.server_port}"
    print(f"sandbox SendGrid on {origin} (SENDGRID_API_HOST={origin})", flush=True)
    print(f"  inbox:        {origin}/inbox", flush=True)
    print(f"  api key:      {config.api_keys[0]}", flush=True)
    print(f"  webhook key:  {state.public_key} (SENDGRID_WEBHOOK_PUBLIC_KEY)", flush=True)
    print(f"  events to:    {config.event_webhook_url or 'nowhere yet'}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        state.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
