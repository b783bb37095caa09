"""The job serializer: JSON, so only primitive arguments can be enqueued.

`rq cron` enqueues with RQ's default pickle serializer (rq.cron.CronJob.enqueue builds a plain
Queue), so the worker must also read those payloads. It does so with an unpickler that refuses
every class and function: only primitives (the cron job's name, empty args) can come through,
never an object that runs code when loaded.
"""

from __future__ import annotations

import io
import json
import pickle  # noqa: S403 - restricted below to primitive values only
from typing import Any, NoReturn

_PICKLE_PROTOCOL_MARK = 0x80


class _PrimitivesOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> NoReturn:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a job payload")


class JobSerializer:
    """JSON out; JSON (ours) or primitive-only pickle (rq cron's) in."""

    @staticmethod
    def dumps(obj: Any) -> bytes:
        """Serialise job data; non-JSON values fail loudly here, at enqueue time."""
        return json.dumps(obj, separators=(",", ":")).encode()

    @staticmethod
    def loads(data: bytes) -> Any:
        """Deserialise job data written by `dumps` or by `rq cron`."""
        if data[:1] and data[0] == _PICKLE_PROTOCOL_MARK:
            return _PrimitivesOnlyUnpickler(io.BytesIO(data)).load()
        return json.loads(data)
