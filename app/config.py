"""Settings: every environment variable Nudge reads is named once, here, and validated at start.

`Settings.from_env()` fails with one clear line (a `SettingsError`) naming what is missing or
malformed, so a misconfigured deployment stops before it accepts a webhook it cannot process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

MAIL_BACKENDS = ("sendgrid", "smtp")
_SECRET_URLS = frozenset({"DATABASE_URL", "REDIS_URL", "SMTP_URL"})
_API_VERSION = re.compile(r"^\d{4}-(01|04|07|10)$")


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    """Validated configuration of one Nudge process (web, worker or clock)."""

    # Secrets (and URLs that may carry a password) stay out of repr: a Settings in a log line or
    # a traceback's locals must not print them.
    secret_key: str = field(repr=False)
    encryption_key: str = field(repr=False)
    app_url: str
    database_url: str | None = field(default=None, repr=False)
    redis_url: str | None = field(default=None, repr=False)
    shopify_api_key: str | None = None
    shopify_api_secret: str | None = field(default=None, repr=False)
    shopify_api_version: str = "2026-07"
    shopify_admin_origin: str | None = None
    sendgrid_api_key: str | None = field(default=None, repr=False)
    sendgrid_api_host: str = "https://api.sendgrid.com"
    sendgrid_webhook_public_key: str | None = None
    mail_backend: str = "sendgrid"
    smtp_url: str = "smtp://127.0.0.1:1025"
    port: int = 8000
    log_level: str = "INFO"
    #: Let merchants connect WooCommerce stores on http, loopback or private addresses (sandbox
    #: and local development only: Nudge's workers call that URL, so never in production).
    woocommerce_allow_private_stores: bool = False
    #: Days a processed webhook's raw body and headers are kept (docs/data-protection.md).
    inbound_body_retention_days: int = 30
    #: Days a storefront product view is kept (product interest looks back 7 days).
    product_view_retention_days: int = 180
    instance_dir: Path = field(default=INSTANCE_DIR)

    def __post_init__(self) -> None:
        _require_secret("SECRET_KEY", self.secret_key, min_length=16)
        _require_fernet_key(self.encryption_key)
        _require_url("APP_URL", self.app_url)
        if bool(self.shopify_api_key) != bool(self.shopify_api_secret):
            missing = "SHOPIFY_API_SECRET" if self.shopify_api_key else "SHOPIFY_API_KEY"
            raise SettingsError(f"{missing} is missing: set both Shopify credentials or neither")
        if not _API_VERSION.match(self.shopify_api_version):
            raise SettingsError(
                f"SHOPIFY_API_VERSION is malformed: {self.shopify_api_version!r} "
                "(expected a quarterly version such as 2026-07)"
            )
        if self.shopify_admin_origin:
            _require_url("SHOPIFY_ADMIN_ORIGIN", self.shopify_admin_origin)
        _require_url("SENDGRID_API_HOST", self.sendgrid_api_host)
        if self.mail_backend not in MAIL_BACKENDS:
            raise SettingsError(
                f"MAIL_BACKEND is malformed: {self.mail_backend!r} (expected one of "
                f"{', '.join(MAIL_BACKENDS)})"
            )
        if self.mail_backend == "sendgrid" and not self.sendgrid_api_key:
            raise SettingsError("SENDGRID_API_KEY is missing (required when MAIL_BACKEND=sendgrid)")
        if self.mail_backend == "smtp":
            _require_url("SMTP_URL", self.smtp_url, schemes=("smtp", "smtps"))
        _require_days("INBOUND_BODY_RETENTION_DAYS", self.inbound_body_retention_days)
        _require_days("PRODUCT_VIEW_RETENTION_DAYS", self.product_view_retention_days)
        if not 0 < self.port < 65536:
            raise SettingsError(f"PORT is malformed: {self.port} (expected 1-65535)")
        if self.database_url:
            _require_url("DATABASE_URL", self.database_url, schemes=None)
        if self.redis_url:
            _require_url("REDIS_URL", self.redis_url, schemes=("redis", "rediss", "unix"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every variable of DESIGN.md §3 from `environ` (default os.environ)."""
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def required(name: str) -> str:
            value = get(name)
            if value is None:
                raise SettingsError(f"{name} is missing: set it in the environment (see README)")
            return value

        port_text = get("PORT") or "8000"
        if not port_text.isdigit():
            raise SettingsError(f"PORT is malformed: {port_text!r} (expected a number)")
        return cls(
            secret_key=required("SECRET_KEY"),
            encryption_key=required("ENCRYPTION_KEY"),
            app_url=required("APP_URL").rstrip("/"),
            database_url=get("DATABASE_URL"),
            redis_url=get("REDIS_URL"),
            shopify_api_key=get("SHOPIFY_API_KEY"),
            shopify_api_secret=get("SHOPIFY_API_SECRET"),
            shopify_api_version=get("SHOPIFY_API_VERSION") or "2026-07",
            shopify_admin_origin=get("SHOPIFY_ADMIN_ORIGIN"),
            sendgrid_api_key=get("SENDGRID_API_KEY"),
            sendgrid_api_host=(get("SENDGRID_API_HOST") or "https://api.sendgrid.com").rstrip("/"),
            sendgrid_webhook_public_key=get("SENDGRID_WEBHOOK_PUBLIC_KEY"),
            mail_backend=(get("MAIL_BACKEND") or "sendgrid").lower(),
            smtp_url=get("SMTP_URL") or "smtp://127.0.0.1:1025",
            port=int(port_text),
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            woocommerce_allow_private_stores=_flag("WOOCOMMERCE_ALLOW_PRIVATE_STORES", get),
            inbound_body_retention_days=_days("INBOUND_BODY_RETENTION_DAYS", get, 30),
            product_view_retention_days=_days("PRODUCT_VIEW_RETENTION_DAYS", get, 180),
        )

    @property
    def shopify_enabled(self) -> bool:
        """True when the Shopify app credentials are configured."""
        return bool(self.shopify_api_key and self.shopify_api_secret)

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, or the embedded default: a SQLite file under instance/."""
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{self.instance_dir / 'nudge.db'}"


def _flag(name: str, get: Callable[[str], str | None]) -> bool:
    value = (get(name) or "false").lower()
    if value not in ("1", "true", "yes", "0", "false", "no"):
        raise SettingsError(f"{name} is malformed: {value!r} (expected true or false)")
    return value in ("1", "true", "yes")


def _days(name: str, get: Callable[[str], str | None], default: int) -> int:
    value = get(name)
    if value is None:
        return default
    if not value.isdigit():
        raise SettingsError(f"{name} is malformed: {value!r} (expected a number of days)")
    return int(value)


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs (Heroku-style `postgres://` included)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _require_secret(name: str, value: str, *, min_length: int) -> None:
    if len(value) < min_length:
        raise SettingsError(f"{name} is malformed: use at least {min_length} random characters")


def _require_days(name: str, days: int) -> None:
    if not 1 <= days <= 3650:
        raise SettingsError(f"{name} is malformed: {days} (expected 1-3650 days)")


def _require_fernet_key(value: str) -> None:
    try:
        Fernet(value.encode())
    except (ValueError, TypeError):
        raise SettingsError(
            "ENCRYPTION_KEY is malformed: expected a Fernet key (32 url-safe base64 bytes; make "
            "one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        ) from None


def _require_url(
    name: str, value: str, schemes: tuple[str, ...] | None = ("http", "https")
) -> None:
    # Connection URLs can carry passwords: name the variable, never echo its value.
    shown = "" if name in _SECRET_URLS else f" {value!r}"
    parts = urlsplit(value)
    if not parts.scheme or (schemes is not None and parts.scheme not in schemes):
        expected = "/".join(schemes) if schemes else "a URL with a scheme"
        raise SettingsError(f"{name} is malformed:{shown} (expected {expected})")
    if schemes is not None and parts.scheme != "unix" and not parts.hostname:
        raise SettingsError(f"{name} is malformed:{shown} (no host)")
