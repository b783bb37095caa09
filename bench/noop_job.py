"""The event-processing baseline's job, in a module that imports nothing: RQ and the worker's
own cost per job (dequeue, fork, result), none of Nudge's."""


def noop(event_id: int) -> int:
    """Do nothing with the event id."""
    return event_id
