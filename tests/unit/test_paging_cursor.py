"""Page cursors: opaque text that round-trips and refuses anything else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.core.paging import Cursor


def test_cursors_round_trip() -> None:
    moment = datetime(2026, 11, 24, 9, 30, 15, 123456, tzinfo=UTC)
    for cursor in (Cursor("next", (42,)), Cursor("previous", (moment, 7))):
        assert Cursor.parse(cursor.encode()) == cursor
    assert Cursor("next", (42,)).encode() == "n.i42"


@pytest.mark.parametrize(
    "text", ["", "x.i1", "n", "n.i", "n.iabc", "n.z1", "n.i1.i2.i3", "n.i-1", "n.i" + "9" * 30]
)
def test_malformed_cursors_are_refused(text) -> None:
    with pytest.raises(ValueError):
        Cursor.parse(text)
