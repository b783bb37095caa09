"""One log format for web, workers and the clock."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Libraries whose DEBUG output carries credentials.
QUIET_BELOW_INFO = ("python_http_client", "urllib3.connectionpool")


def configure_logging(level: str = "INFO") -> None:
    """Configure the root logger once per process (idempotent)."""
    root = logging.getLogger()
    if not any(getattr(handler, "_nudge", False) for handler in root.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._nudge = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # Alembic logs every readiness probe's revision lookup at INFO.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # These log credentials at DEBUG, so they never log below INFO, whatever LOG_LEVEL says:
    # sendgrid's HTTP client logs every request's headers, the API key included
    # (python_http_client/client.py: "HEADERS: {'Authorization': 'Bearer SG...'}"); urllib3 logs
    # every request's URL, and the woocommerce package signs plain-HTTP requests in the query
    # (oauth_consumer_key, oauth_signature: WooCommerce REST API docs, "Authentication over HTTP").
    for name in QUIET_BELOW_INFO:
        logging.getLogger(name).setLevel(logging.INFO)
