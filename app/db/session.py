"""Engine and sessions: one engine per process, one session per request or job.

Nothing here runs at import. `Database` is built by `create_app()` or the worker entrypoint from
Settings. After a fork (RQ's work horse) the child drops the parent's pooled connections without
closing them, as SQLAlchemy advises ("Using Connection Pools with Multiprocessing or os.fork()").
"""

from __future__ import annotations

import functools
import os
import time
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Executable, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from app.db import storable
from app.db.base import Base
from app.db.driver_statement import DriverStatement


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 5) -> None:
        self.url = url
        self.engine: Engine = _make_engine(url, echo=echo, pool_size=pool_size)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        storable.install(self.sessionmaker)
        self.autocommit_sessionmaker = self.sessionmaker
        self._autocommit_engine: Engine = self.engine
        self._driver_statements: dict[Executable, DriverStatement] = {}
        if self.engine.dialect.name == "postgresql":
            self._autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            self.autocommit_sessionmaker = sessionmaker(
                self._autocommit_engine, expire_on_commit=False
            )
            storable.install(self.autocommit_sessionmaker)
        # A weak reference: a Database that is dropped (tests make many) is not kept alive.
        after_fork = weakref.WeakMethod(self._after_fork)
        os.register_at_fork(after_in_child=lambda: (method := after_fork()) and method())

    @classmethod
    def bound_to(cls, connection: Connection) -> Database:
        """A Database whose sessions join `connection`'s open transaction through savepoints.

        Tests wrap each test in one outer transaction and roll it back: code under test may
        commit as usual, and nothing it wrote outlives the test.
        """
        database = cls.__new__(cls)
        database.url = str(connection.engine.url)
        database.engine = connection.engine
        database.sessionmaker = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        storable.install(database.sessionmaker)
        database.autocommit_sessionmaker = database.sessionmaker
        database._autocommit_engine = connection.engine
        database._driver_statements = {}
        return database

    @property
    def dialect(self) -> str:
        """'postgresql' or 'sqlite'."""
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new session; the caller closes it (or uses `session_scope`)."""
        return self.sessionmaker()

    def autocommit_session(self) -> Session:
        """A session whose every statement commits at once (PostgreSQL; elsewhere, and inside a
        test's transaction, a normal session). For one-statement writes such as storing a
        webhook: no BEGIN and COMMIT round trips around it. The caller closes it."""
        return self.autocommit_sessionmaker()

    def autocommit_scalar(self, statement: Executable, params: Mapping[str, Any]) -> Any:
        """Run one statement in autocommit and return the first column of its first row (None
        when it returns none). On PostgreSQL straight on the driver (`DriverStatement`: the
        webhook route's insert); elsewhere, and inside a test's transaction, on
        `autocommit_connection`. `statement` is compiled once: pass one built once."""
        if self._autocommit_engine is self.engine:
            with self.autocommit_connection() as connection:
                return connection.execute(statement, params).scalar()
        driver_statement = self._driver_statements.get(statement)
        if driver_statement is None:
            driver_statement = DriverStatement(self.engine, statement)
            self._driver_statements[statement] = driver_statement
        return driver_statement.scalar(params)

    @contextmanager
    def autocommit_connection(self) -> Iterator[Connection]:
        """A Core connection whose every statement commits at once (PostgreSQL), returned to the
        pool on exit. Elsewhere, and inside a test's transaction, a session's connection whose
        transaction commits on success (rolled back on error).

        For the webhook route's one INSERT: no ORM session is built around a single statement
        (its setup, commit and close cost more CPU than executing the statement)."""
        if self._autocommit_engine is self.engine:
            with self.session_scope() as session:
                yield session.connection()
            return
        with self._autocommit_engine.connect() as connection:
            yield connection

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """A session that commits on success, rolls back on error, and always closes."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def create_all(self) -> None:
        """Create every table directly (tests of the embedded default; production migrates)."""
        Base.metadata.create_all(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def _after_fork(self) -> None:
        # The child must not reuse sockets the parent owns; close=False leaves them to the parent.
        self.engine.dispose(close=False)


#: Seconds to wait for a PostgreSQL connection before the request fails (with a 503 on the web).
PG_CONNECT_TIMEOUT = 3


def _make_engine(url: str, *, echo: bool, pool_size: int) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    # An unreachable database (a network partition: no answer, not even a refusal) must fail
    # fast: libpq's default is to wait for the OS (minutes), which would hold a web thread past
    # the platforms' webhook timeout (Shopify: 5 s) instead of answering the 503 that makes them
    # retry. A connect_timeout given in DATABASE_URL wins.
    connect_args = {} if "connect_timeout" in url else {"connect_timeout": PG_CONNECT_TIMEOUT}
    engine = create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=10, connect_args=connect_args
    )
    event.listen(engine.pool, "checkin", _stamp_checkin)
    event.listen(engine.pool, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    return engine


#: A pooled connection unused for longer than this is pinged before it is handed out.
PING_AFTER_IDLE = 1.0


def _stamp_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect: Any, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # pool_pre_ping costs a round trip on every checkout, a third of a webhook's. Connections
    # go stale while idle (a database restart, a firewall's idle timeout), so only those are
    # pinged; a busy one that breaks fails its statement, and SQLAlchemy then invalidates the
    # whole pool. DisconnectionError makes the pool retry the checkout with a new connection.
    idle_since = record.info.get("idle_since")
    if idle_since is not None and time.monotonic() - idle_since < PING_AFTER_IDLE:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except Exception as error:
        raise DisconnectionError(f"stale pooled connection: {error}") from error


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Several processes share the embedded file: WAL lets readers run beside one writer, and
    # foreign keys are off by default in SQLite. Autocommit mode off so "begin" below owns it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so two processes claiming the same due
    # enrollment serialise here instead of both reading it (SQLite has no FOR UPDATE).
    connection.exec_driver_sql("BEGIN IMMEDIATE")
