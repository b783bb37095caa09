"""A closed-loop HTTP load generator for signed Shopify webhooks, run as its own process.

    python -m bench.load_generator --port 8000 --shop s.myshopify.com --secret S --seconds 10

Each of `--connections` keep-alive connections sends a webhook, waits for the answer, and sends
the next one, for `--warmup` + `--seconds` seconds; then it stops sending and waits for what is
in flight, so every request it sent has an answer. It prints one JSON object: answers by status,
latency percentiles and the rate over the measured window (the warm-up is left out).

Requests are real deliveries: the fixture bodies of fixtures/shopify/webhooks/ with the HMAC
Shopify would send (computed once per body: the event id is a header, outside the signature) and
a unique X-Shopify-Event-Id each. One thread drives every connection through a selector, so the
generator costs as little CPU as a Python client can on the machine it shares with the server.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import selectors
import socket
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "shopify" / "webhooks"
#: The store-facing topics a busy shop sends all day (compliance and uninstall topics left out).
TOPICS = (
    "orders/create",
    "orders/paid",
    "orders/updated",
    "checkouts/create",
    "checkouts/update",
    "carts/create",
    "carts/update",
    "customers/create",
    "customers/update",
    "products/create",
    "products/update",
)


@dataclass
class _Connection:
    """One keep-alive connection: what is left to send, what came back, when it was sent."""

    sock: socket.socket
    pending: bytes = b""
    received: bytearray = field(default_factory=bytearray)
    started: float = 0.0


def request_templates(
    host: str, path: str, shop: str, secret: str, topics: tuple[str, ...] = TOPICS
) -> list[tuple[bytes, bytes]]:
    """(head up to the event id, rest of the request) per topic, signed like Shopify signs."""
    templates = []
    for topic in topics:
        body = (FIXTURES / f"{topic.replace('/', '__')}.json").read_bytes()
        signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Shopify-Topic: {topic}\r\n"
            f"X-Shopify-Shop-Domain: {shop}\r\nX-Shopify-API-Version: 2026-07\r\n"
            f"X-Shopify-Triggered-At: 2026-11-27T10:00:00Z\r\n"
            f"X-Shopify-Hmac-Sha256: {signature.decode()}\r\nX-Shopify-Event-Id: "
        ).encode()
        tail = b"\r\nX-Shopify-Webhook-Id: bench\r\n\r\n" + body
        templates.append((head, tail))
    return templates


def _complete_response(buffer: bytearray) -> tuple[int, int] | None:
    """(status, length) once `buffer` holds a whole response, else None."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).decode("latin-1")
    status = int(head.split(" ", 2)[1])
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    total = end + 4 + length
    return (status, total) if len(buffer) >= total else None


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The value at `fraction` (0-1) of an ascending list (nearest rank); 0 when empty."""
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


class _LoadRun:
    """The connections, the clock and the tallies of one run."""

    def __init__(self, templates: list[tuple[bytes, bytes]], seconds: float, warmup: float):
        self.templates = templates
        self.prefix = uuid.uuid4().hex[:12]
        self.selector = selectors.DefaultSelector()
        self.statuses: dict[int, int] = {}
        self.latencies: list[float] = []
        self.sent = self.measured = self.errors = self.open = 0
        self.window_start = time.perf_counter() + warmup
        self.stop_at = self.window_start + seconds

    def connect(self, host: str, port: int) -> None:
        sock = socket.create_connection((host, port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        connection = _Connection(sock)
        self.selector.register(sock, selectors.EVENT_READ, connection)
        self.open += 1
        self.send_next(connection)

    def send_next(self, connection: _Connection) -> None:
        head, tail = self.templates[self.sent % len(self.templates)]
        connection.pending = head + f"{self.prefix}-{self.sent}".encode() + tail
        connection.started = time.perf_counter()
        self.sent += 1
        self.flush(connection)

    def flush(self, connection: _Connection) -> None:
        written = connection.sock.send(connection.pending)
        connection.pending = connection.pending[written:]
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if connection.pending else 0)
        self.selector.modify(connection.sock, events, connection)

    def close(self, connection: _Connection) -> None:
        self.selector.unregister(connection.sock)
        connection.sock.close()
        self.open -= 1

    def answered(self, connection: _Connection, status: int) -> None:
        now = time.perf_counter()
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if self.window_start <= now < self.stop_at:
            self.measured += 1
            self.latencies.append(now - connection.started)
        if now < self.stop_at:
            self.send_next(connection)
        else:
            self.close(connection)

    def readable(self, connection: _Connection) -> None:
        chunk = connection.sock.recv(65536)
        if not chunk:
            self.errors += 1
            self.close(connection)
            return
        connection.received += chunk
        parsed = _complete_response(connection.received)
        if parsed is not None:
            del connection.received[: parsed[1]]
            self.answered(connection, parsed[0])

    def loop(self) -> None:
        while self.open:
            for key, mask in self.selector.select(timeout=30):
                connection = key.data
                if mask & selectors.EVENT_WRITE and connection.pending:
                    self.flush(connection)
                if mask & selectors.EVENT_READ:
                    self.readable(connection)


def run_load(
    *,
    host: str,
    port: int,
    path: str,
    shop: str,
    secret: str,
    connections: int,
    seconds: float,
    warmup: float,
) -> dict[str, object]:
    """Drive the load; returns the summary the process prints."""
    run = _LoadRun(request_templates(host, path, shop, secret), seconds, warmup)
    for _ in range(connections):
        run.connect(host, port)
    run.loop()
    latencies = sorted(run.latencies)
    return {
        "connections": connections,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "requests_sent": run.sent,
        "answers_by_status": {str(code): count for code, count in sorted(run.statuses.items())},
        "connection_errors": run.errors,
        "measured_requests": run.measured,
        "requests_per_s": round(run.measured / seconds, 1),
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 2),
            "p90": round(percentile(latencies, 0.90) * 1000, 2),
            "p99": round(percentile(latencies, 0.99) * 1000, 2),
            "max": round((latencies[-1] if latencies else 0.0) * 1000, 2),
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the load, print its JSON summary."""
    parser = argparse.ArgumentParser(prog="python -m bench.load_generator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/webhooks/shopify")
    parser.add_argument("--shop", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args(argv)
    summary = run_load(
        host=args.host,
        port=args.port,
        path=args.path,
        shop=args.shop,
        secret=args.secret,
        connections=args.connections,
        seconds=args.seconds,
        warmup=args.warmup,
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
