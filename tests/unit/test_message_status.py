"""A message's status only moves forward, and terminal statuses are final."""

from __future__ import annotations

import pytest

from app.core.messaging.status import PROGRESS, TERMINAL, can_advance, statuses_before
from app.db.models.messaging import MESSAGE_STATUSES


@pytest.mark.parametrize(
    ("current", "target", "expected"),
    [
        ("queued", "sent", True),
        ("sent", "delivered", True),
        ("delivered", "opened", True),
        ("opened", "clicked", True),
        ("clicked", "opened", False),
        ("clicked", "delivered", False),
        ("opened", "sent", False),
        ("delivered", "delivered", False),
        ("clicked", "bounced", True),
        ("delivered", "complained", True),
        ("bounced", "delivered", False),
        ("bounced", "complained", False),
        ("complained", "clicked", False),
        ("dropped", "bounced", False),
        ("failed", "delivered", True),
        ("held_out", "delivered", False),
        ("held_out", "bounced", False),
        ("sent", "held_out", False),
    ],
)
def test_can_advance(current, target, expected) -> None:
    assert can_advance(current, target) is expected


def test_every_status_the_model_knows_is_ranked_or_terminal() -> None:
    assert set(MESSAGE_STATUSES) == set(PROGRESS) | TERMINAL | {"held_out"}


def test_statuses_before() -> None:
    assert statuses_before("opened") == ("queued", "sending", "failed", "sent", "delivered")
    assert set(statuses_before("bounced")) == set(PROGRESS)
    assert statuses_before("queued") == ()
