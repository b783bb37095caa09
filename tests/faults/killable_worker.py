"""`python -m tests.faults.killable_worker POINT [queues] [--burst] [--no-fork]`: the real
worker, SIGKILLed at one named point of a step.

It is `python -m workers` with one seam replaced: `workers.services.checkpoint` (the product's
fault-injection point, called at each named point of a step) kills the process there. POINT is a
checkpoint name (claimed, slot_reserved, code_issued, rendered, sending, sent),
`provider_answered` (SendGrid accepted the message and the worker dies before it records that)
or `inbound_ingested` (an inbound event's changes are made, not committed).

The kill takes the work horse (the forked process running the job) and its parent, the worker,
both at once, as a host crash or the OOM killer would: no handler, no clean-up, no Redis update.
A `--no-fork` worker runs the job itself: the kill takes that one process.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

import workers.services as services
from app.runtime import Runtime

#: The worker's pid; a forked work horse inherits it and has a pid of its own.
WORKER_PID = os.getpid()


def die() -> None:
    """SIGKILL the worker and, if this is its work horse, this horse too."""
    if os.getpid() != WORKER_PID:
        # A horse: its parent is the worker. A --no-fork worker's parent is whoever started it
        # (the test), which must live on.
        os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


class DieAfterSending:
    """The real sender; the process dies as soon as the provider has answered."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def send(self, messages: Sequence[Any]) -> Any:
        self.real.send(messages)
        die()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def arm(point: str) -> None:
    """Replace the seam so the job dies at `point`."""
    if point == "inbound_ingested":
        import workers.events as events

        handle = events.handle_inbound_event

        def handle_then_die(session: Any, event: Any) -> None:
            handle(session, event)
            session.flush()  # the changes reached the database, uncommitted
            die()

        events.handle_inbound_event = handle_then_die
        return
    if point == "provider_answered":
        real_sender = services.message_sender

        def message_sender(runtime: Runtime) -> Any:
            return DieAfterSending(real_sender(runtime))

        services.message_sender = message_sender  # type: ignore[assignment]
        return

    def checkpoint(name: str) -> None:
        if name == point:
            die()

    services.checkpoint = checkpoint


if __name__ == "__main__":
    arm(sys.argv[1])
    from workers.__main__ import main

    sys.exit(main(sys.argv[2:]))
