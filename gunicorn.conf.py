"""Gunicorn settings for `web` (Procfile). Values come from the environment Heroku-style."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
# Webhooks must be answered within seconds; a request stuck longer is a bug, not load.
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # unset: no per-request log line
# When on, log the path without its query: admin document loads carry Shopify session tokens in
# `?id_token=` (docs/data-protection.md lists what paths themselves carry).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)s'
