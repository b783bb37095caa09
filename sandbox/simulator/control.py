"""Calls to a sandbox's control API, with errors that say what was refused and why."""

from __future__ import annotations

from typing import Any

import httpx


class SimulatorError(RuntimeError):
    """A sandbox refused something the simulator asked for."""


class ControlApi:
    """JSON calls under one sandbox origin and path prefix (e.g. /sandbox/shops/acme)."""

    def __init__(self, client: httpx.Client, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")

    def call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = ()) -> Any:
        """The decoded JSON answer; SimulatorError for an unexpected status."""
        response = self.client.request(method, self.base_url + path, json=body)
        if response.status_code in ok:
            return None
        if response.status_code >= 400:
            raise SimulatorError(
                f"{method} {self.base_url}{path} answered {response.status_code}: "
                f"{response.text[:300]}"
            )
        return response.json() if response.content else None
