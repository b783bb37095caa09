"""Job payloads: JSON out; rq cron's pickles in, but only primitives."""

from __future__ import annotations

import os
import pickle

import pytest

from workers.serializer import JobSerializer


def test_round_trips_json() -> None:
    data = ("workers.events.process_inbound_event", None, [42], {})
    assert JobSerializer.loads(JobSerializer.dumps(data)) == [
        "workers.events.process_inbound_event",
        None,
        [42],
        {},
    ]


def test_refuses_objects_at_enqueue_time() -> None:
    with pytest.raises(TypeError):
        JobSerializer.dumps(("f", None, [object()], {}))


def test_reads_rq_cron_payloads() -> None:
    cron_payload = pickle.dumps(
        ("workers.maintenance.requeue_stalled_events", None, (), {}), protocol=5
    )
    assert JobSerializer.loads(cron_payload)[0] == "workers.maintenance.requeue_stalled_events"


def test_never_unpickles_code() -> None:
    class Exploit:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (os.system, ("echo pwned",))

    with pytest.raises(pickle.UnpicklingError):
        JobSerializer.loads(pickle.dumps(Exploit(), protocol=5))
