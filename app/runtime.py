"""The resources of one Nudge process, built from Settings when the process starts.

Web (`create_app`), workers (`python -m workers`) and the clock each build one `Runtime`; nothing
is created at import. The database engine connects on first use; Redis, and with it the embedded
default server, is only reached when something is enqueued.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

import redis

from app.config import Settings
from app.db import Database
from app.embedded import ensure_embedded_redis
from app.security import CredentialCipher

if TYPE_CHECKING:
    from app.core.ports import MessageSender


class Runtime:
    """Settings plus the database, Redis connection and credential cipher built from them."""

    def __init__(self, settings: Settings, *, database: Database | None = None) -> None:
        self.settings = settings
        self._database = database
        self._lock = threading.Lock()

    @cached_property
    def db(self) -> Database:
        """The process's Database (engine + session factory)."""
        return self._database or Database(self.settings.sqlalchemy_url)

    @cached_property
    def cipher(self) -> CredentialCipher:
        """Encrypts and decrypts store credentials with ENCRYPTION_KEY."""
        return CredentialCipher(self.settings.encryption_key)

    @cached_property
    def redis_url(self) -> str:
        """REDIS_URL, or the embedded default server's URL (started on first use)."""
        with self._lock:
            return self.settings.redis_url or ensure_embedded_redis(self.settings.instance_dir)

    @cached_property
    def redis(self) -> redis.Redis:
        """A Redis client with short timeouts: a dead Redis must not stall a webhook."""
        return redis.Redis.from_url(
            self.redis_url, socket_connect_timeout=1.0, socket_timeout=2.0, health_check_interval=30
        )

    @cached_property
    def mail_sender(self) -> MessageSender:
        """The email provider MAIL_BACKEND names: SendGrid (SENDGRID_API_HOST) or SMTP."""
        if self.settings.mail_backend == "smtp":
            from connectors.messaging.smtp import SmtpSender

            return SmtpSender(self.settings.smtp_url)
        from connectors.messaging.sendgrid import SendGridSender

        # Settings guarantee the key when the backend is sendgrid.
        return SendGridSender(self.settings.sendgrid_api_key or "", self.settings.sendgrid_api_host)

    def close(self) -> None:
        """Release pooled connections (tests, shutdown)."""
        if "db" in self.__dict__:
            self.db.dispose()
        if "redis" in self.__dict__:
            self.redis.close()
