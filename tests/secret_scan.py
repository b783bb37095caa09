"""Where a secret must never be: any captured log record, any database column, any Redis key.

Used by the end-to-end tests that run installs, syncs, webhooks and sends with DEBUG logging
captured, then look for every credential in everything Nudge wrote.
"""

from __future__ import annotations

import logging
import traceback
import zlib
from collections.abc import Iterable, Mapping

import redis
from sqlalchemy import select

from app.db import Base, Database


def record_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    """Every captured record as the formatted message, its raw args and any traceback."""
    texts = []
    for record in records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_info:
            texts.append("".join(traceback.format_exception(*record.exc_info)))
        if record.exc_text:
            texts.append(record.exc_text)
    return texts


def leaks_in_logs(secrets: Mapping[str, str], records: Iterable[logging.LogRecord]) -> list[str]:
    """`name: log` for every secret found in a record."""
    texts = record_texts(records)
    return [f"{name}: log" for name, value in secrets.items() if any(value in t for t in texts)]


def leaks_in_database(secrets: Mapping[str, str], database: Database) -> list[str]:
    """`name: table.column` for every secret found in a stored value (bytes read as text too)."""
    found = []
    with database.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    text = _as_text(value)
                    found.extend(
                        f"{name}: {table.name}.{column}"
                        for name, secret in secrets.items()
                        if secret in text
                    )
    return sorted(set(found))


def leaks_in_redis(secrets: Mapping[str, str], client: redis.Redis) -> list[str]:
    """`name: redis <key>` for every secret in any key's name or value."""
    found = []
    for key in client.scan_iter(count=500):
        text = key.decode("latin-1") + _redis_value(client, key)
        found.extend(f"{name}: redis {key!r}" for name, secret in secrets.items() if secret in text)
    return found


def _as_text(value: object) -> str:
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)


def _redis_value(client: redis.Redis, key: bytes) -> str:
    kind = client.type(key).decode()
    if kind == "string":
        values: list[bytes] = [client.get(key) or b""]
    elif kind == "hash":
        values = [item for pair in client.hgetall(key).items() for item in pair]
    elif kind == "list":
        values = list(client.lrange(key, 0, -1))
    elif kind == "set":
        values = list(client.smembers(key))
    elif kind == "zset":
        values = [member for member, _score in client.zrange(key, 0, -1, withscores=True)]
    else:
        values = []
    texts = []
    for value in values:
        texts.append(value.decode("latin-1"))
        try:  # RQ stores a job's function and arguments zlib-compressed
            texts.append(zlib.decompress(value).decode("latin-1"))
        except zlib.error:
            pass
    return " ".join(texts)
