"""The embedded Redis of the default setup: started once per instance folder, gone when stopped."""

from __future__ import annotations

import os

import redis

from app.embedded import PID_FILE, URL_FILE, ensure_embedded_redis, stop_embedded_redis


def running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stopping_returns_only_once_the_server_is_gone(tmp_path) -> None:
    url = ensure_embedded_redis(tmp_path)
    assert ensure_embedded_redis(tmp_path) == url  # one server per folder
    assert redis.Redis.from_url(url).ping()
    pid = int((tmp_path / PID_FILE).read_text().strip())

    stop_embedded_redis(tmp_path)

    assert not running(pid)
    assert not (tmp_path / URL_FILE).exists()
    stop_embedded_redis(tmp_path)  # stopping again is harmless
