"""The order a message's status moves in: forward only, and the terminal states are final.

    queued → sending → sent → delivered → opened → clicked
    any of those → bounced | dropped | complained   (terminal: nothing moves them again)

Provider events arrive late, twice and out of order (SendGrid batches per server and retries
for a day), so every writer, the sender's job included, moves a status only through
`can_advance` (or the SQL form `statuses_before`) and never assigns it blindly: an "open" that
arrives after a "click" must not turn a clicked message back into an opened one.
"""

from __future__ import annotations

#: Progress ranks. `failed` (our give-up after send errors) ranks with `sending`: if the
#: provider later reports the message processed or delivered, that evidence wins.
PROGRESS = {
    "queued": 0,
    "sending": 1,
    "failed": 1,
    "sent": 2,
    "delivered": 3,
    "opened": 4,
    "clicked": 5,
}
TERMINAL = frozenset({"bounced", "dropped", "complained"})


def can_advance(current: str, target: str) -> bool:
    """True when a message in `current` may move to `target`.

    Terminal statuses never change; held-out (never sent) and unknown statuses are never moved
    by delivery news; a terminal target wins over any progress status.
    """
    if current not in PROGRESS:
        return False
    if target in TERMINAL:
        return True
    return target in PROGRESS and PROGRESS[target] > PROGRESS[current]


def statuses_before(target: str) -> tuple[str, ...]:
    """Every status that may move to `target` (for `UPDATE ... WHERE status IN (...)`)."""
    return tuple(status for status in PROGRESS if can_advance(status, target))
