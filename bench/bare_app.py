"""The ingest benchmark's baseline: a bare Flask app answering the webhook path with 200.

Served by gunicorn with Nudge's own gunicorn.conf.py, so the ratio measures what Nudge adds
(HMAC, store lookup, insert + commit, enqueue) over Flask and gunicorn themselves.
"""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> tuple[str, int]:
    """Ready probe, as Nudge's."""
    return "ok", 200


@app.post("/webhooks/shopify")
def receive() -> tuple[str, int]:
    """Read the body, as a real endpoint must, and answer 200."""
    request.get_data()
    return "ok", 200
