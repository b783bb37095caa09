"""The cost of one signed Shopify webhook in the WSGI app itself: no gunicorn, no socket.

    python -m bench.request_cost [--bare] [--requests N]

Builds `create_app()` on DATABASE_URL + REDIS_URL (or the bare Flask baseline with `--bare`),
adds a store, and calls the app N times with the load generator's requests (its 11 topics in
turn, real HMACs, a unique event id each), then prints the answers and the CPU time per request.
On a machine shared with other work, count instructions instead, which load does not change:

    valgrind --tool=cachegrind --cache-sim=no python -m bench.request_cost --requests 1
    valgrind --tool=cachegrind --cache-sim=no python -m bench.request_cost --requests 301

(the difference of the two `I refs` totals divided by 300 is the instructions per webhook).
Rows and queued jobs are left in place: point it at a benchmark database and Redis database.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
import uuid
from collections.abc import Iterable
from typing import Any

from cryptography.fernet import Fernet

from app.config import normalize_database_url
from app.db import Database
from bench.app_processes import SHOPIFY_SECRET, add_store
from bench.load_generator import request_templates


def _environ(request: bytes) -> dict[str, Any]:
    """The WSGI environ gunicorn would build for one raw HTTP/1.1 request."""
    head, _, body = request.partition(b"\r\n\r\n")
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for line in lines:
        name, _, value = line.partition(":")
        key = name.strip().upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        environ[key] = value.strip()
    return environ


def _app(bare: bool) -> Any:
    if bare:
        from bench.bare_app import app as bare_app

        return bare_app
    from app import create_app
    from app.config import Settings

    # The benchmark's own variables over the environment (which names the database and Redis).
    variables = {
        **os.environ,
        "SECRET_KEY": uuid.uuid4().hex,
        "ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "APP_URL": "https://nudge.bench.example",
        "SHOPIFY_API_KEY": "bench-client-id",
        "SHOPIFY_API_SECRET": SHOPIFY_SECRET,
        "MAIL_BACKEND": "smtp",
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    }
    return create_app(Settings.from_env(variables))


def run(*, requests: int, bare: bool) -> dict[str, object]:
    """Drive the app `requests` times in this thread; answers and CPU µs per request."""
    database = Database(normalize_database_url(os.environ["DATABASE_URL"]))
    _, shop = add_store(database)
    database.dispose()
    app = _app(bare)
    templates = request_templates("127.0.0.1:8000", "/webhooks/shopify", shop, SHOPIFY_SECRET)
    prefix = uuid.uuid4().hex[:12]
    environs = [
        _environ(head + f"{prefix}-{index}".encode() + tail)
        for index, (head, tail) in zip(range(requests), _cycle(templates), strict=False)
    ]
    answers: dict[str, int] = {}

    def start_response(status: str, _headers: object, _exc_info: object = None) -> None:
        answers[status] = answers.get(status, 0) + 1

    started = time.process_time()
    for environ in environs:
        for _chunk in app(environ, start_response):
            pass
    cpu = time.process_time() - started
    if not bare:
        app.extensions["nudge"].db.dispose()
    return {
        "app": "bare Flask" if bare else "Nudge",
        "requests": requests,
        "answers": answers,
        "cpu_us_per_request": round(cpu * 1e6 / max(requests, 1), 1),
    }


def _cycle(templates: list[tuple[bytes, bytes]]) -> Iterable[tuple[bytes, bytes]]:
    while True:
        yield from templates


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, drive the app, print the JSON summary."""
    parser = argparse.ArgumentParser(prog="python -m bench.request_cost")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--bare", action="store_true", help="the bare Flask baseline instead")
    args = parser.parse_args(argv)
    print(json.dumps(run(requests=args.requests, bare=args.bare)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
