"""Where the demo keeps its files, and the environment its Nudge processes run with.

The demo's database is a SQLite file under `instance/demo/` and starts empty on every run: the
sandboxes keep their stores in memory, so a mirror of the previous run's stores would describe
stores that no longer exist. The generated secrets (instance/demo/demo.env) are kept.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from app.config import INSTANCE_DIR
from sandbox.stack import SandboxStack

DEFAULT_DIR = INSTANCE_DIR / "demo"


@dataclass(frozen=True)
class DemoPaths:
    """The demo's files."""

    root: Path

    @property
    def database_file(self) -> Path:
        """The SQLite database."""
        return self.root / "nudge.db"

    @property
    def database_url(self) -> str:
        """DATABASE_URL for the processes."""
        return f"sqlite:///{self.database_file}"

    @property
    def logs(self) -> Path:
        """One log file per process."""
        return self.root / "logs"

    def prepare(self) -> None:
        """Create the folders; start from an empty database and empty logs."""
        self.logs.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.database_file}{suffix}").unlink(missing_ok=True)
        for log in self.logs.glob("*.log"):
            log.unlink()

    def secrets(self) -> dict[str, str]:
        """SECRET_KEY and ENCRYPTION_KEY, generated on the first run and kept."""
        env_file = self.root / "demo.env"
        if not env_file.exists():
            env_file.write_text(
                f"SECRET_KEY={secrets.token_urlsafe(32)}\n"
                f"ENCRYPTION_KEY={Fernet.generate_key().decode()}\n"
            )
            env_file.chmod(0o600)
        pairs = (line.split("=", 1) for line in env_file.read_text().split())
        return dict(pairs)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def app_environment(
    base: dict[str, str],
    paths: DemoPaths,
    *,
    app_url: str,
    port: int,
    redis_url: str,
    stack: SandboxStack,
) -> dict[str, str]:
    """The environment of web, worker and clock: the embedded default plus the sandboxes."""
    env = {
        key: value
        for key, value in base.items()
        # A developer's own settings must not point the demo elsewhere.
        if not key.startswith(("SHOPIFY_", "SENDGRID_", "WOOCOMMERCE_", "DATABASE_", "REDIS_"))
    }
    env.update(paths.secrets())
    env.update(stack.app_environment())
    env.update(
        {
            "APP_URL": app_url,
            "PORT": str(port),
            "DATABASE_URL": paths.database_url,
            "REDIS_URL": redis_url,
            # The sandbox store lives on 127.0.0.1: allow connecting a private address.
            "WOOCOMMERCE_ALLOW_PRIVATE_STORES": "1",
            "LOG_LEVEL": base.get("LOG_LEVEL", "INFO"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env
