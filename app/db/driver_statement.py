"""One Core statement run in autocommit straight on the database driver (PostgreSQL).

For the webhook route, whose only statement is the inbox INSERT: SQLAlchemy's Connection wraps
each execution in an execution context, events and a Result, and checking a connection out of
the pool with the isolation level switched to AUTOCOMMIT and back costs as much again. Measured
in-process on PostgreSQL: ~300 µs CPU per insert that way, ~90 µs with psycopg itself.

`DriverStatement` compiles the statement once for the engine's dialect (SQL text and the bind
processors SQLAlchemy would apply, e.g. JSONB) and runs it on a pooled connection put in
autocommit for that one statement. What the rest of Nudge relies on is kept: the pool (and its
ping of idle connections) hands out the connection; a driver error comes out as SQLAlchemy's
(`OperationalError` is the web's 503) and the connection that raised it is dropped, not pooled.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Engine, Executable
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


class DriverStatement:
    """A statement compiled once for `engine`, run in autocommit on its pooled connections."""

    def __init__(self, engine: Engine, statement: Executable) -> None:
        if not isinstance(statement, ClauseElement):
            raise TypeError(f"not a Core statement: {statement!r}")
        self.engine = engine
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SQL statement: {statement!r}")
        self.sql = compiled.string
        self._processors: dict[str, Callable[[Any], Any]] = {}
        for key, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._processors[key] = processor
        self._dbapi_error: type[Exception] = dialect.loaded_dbapi.Error

    def scalar(self, params: Mapping[str, Any]) -> Any:
        """The first column of the first row returned (None when there is none), committed."""
        values = {
            name: (processor(params[name]) if (processor := self._processors.get(name)) else value)
            for name, value in params.items()
        }
        pooled = self.engine.raw_connection()
        try:
            driver = pooled.driver_connection
            driver.autocommit = True  # type: ignore[union-attr]
            try:
                row = driver.execute(self.sql, values).fetchone()  # type: ignore[union-attr]
            finally:
                # The pool hands this connection to ORM sessions next: never in autocommit.
                driver.autocommit = False  # type: ignore[union-attr]
        except self._dbapi_error as error:
            # Broken or not, it is not trusted again; the pool opens a new one when needed.
            pooled.invalidate(error)
            raise DBAPIError.instance(
                self.sql,
                None,
                error,
                self._dbapi_error,
                hide_parameters=True,
                connection_invalidated=True,
                dialect=self.engine.dialect,
            ) from error
        finally:
            pooled.close()
        return None if row is None else row[0]
