"""Alembic environment: the URL comes from Settings (or the caller), the metadata from app.db."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import engine_from_config, pool

from app.config import INSTANCE_DIR, normalize_database_url
from app.db import Base
from app.db import models as _models  # noqa: F401 - registers every table on Base.metadata
from app.db.types import UTCDateTime

config = context.config


def database_url() -> str:
    """The caller's URL (tests, make demo), else DATABASE_URL, else the embedded SQLite file."""
    url = config.attributes.get("database_url") or os.environ.get("DATABASE_URL", "").strip()
    if url:
        return normalize_database_url(url)
    INSTANCE_DIR.mkdir(exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'nudge.db'}"


def render_item(type_: str, obj: object, _autogen_context: object) -> str | bool:
    """Write our TypeDecorators as plain SQLAlchemy types, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline() -> None:
    """Emit SQL without a connection (`alembic upgrade head --sql`)."""
    context.configure(
        url=database_url(),
        target_metadata=Base.metadata,
        literal_binds=True,
        compare_type=True,
        render_item=render_item,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a live connection."""
    connectable = engine_from_config(
        {"sqlalchemy.url": database_url()}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            compare_type=True,
            render_item=render_item,
            # SQLite cannot ALTER most things; batch mode rebuilds tables there.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
