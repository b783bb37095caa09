"""Engine and sessions: one engine per process, one session per request or job.

Nothing here runs at import. `Database` is built by `create_app()` or the worker entrypoint from
Settings. After a fork (RQ's work horse) the child drops the parent's pooled connections without
closing them, as SQLAlchemy advises ("Using Connection Pools with Multiprocessing or os.fork()").
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.db import storable
from app.db.base import Base


class Database:
    """The engine and session factory of one process."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 5) -> None:
        self.url = url
        self.engine: Engine = _make_engine(url, echo=echo, pool_size=pool_size)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        storable.install(self.sessionmaker)
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
        return database

    @property
    def dialect(self) -> str:
        """'postgresql' or 'sqlite'."""
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new session; the caller closes it (or uses `session_scope`)."""
        return self.sessionmaker()

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
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=10,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


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
