"""Alembic from code: the head revision, the database's revision, and upgrading to head."""

from __future__ import annotations

from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from app.config import PROJECT_ROOT


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration read from pyproject.toml, optionally bound to a database URL."""
    config = Config(toml_file=str(PROJECT_ROOT / "pyproject.toml"))
    if url is not None:
        config.attributes["database_url"] = url
    return config


@cache
def head_revision() -> str | None:
    """The newest migration in migrations/versions."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    """The revision the connected database is at (None before the first migration)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(url: str) -> None:
    """Apply every pending migration to the database at `url`."""
    command.upgrade(alembic_config(url), "head")
