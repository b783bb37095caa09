"""/healthz and /readyz."""

from __future__ import annotations

from app import create_app
from app.runtime import Runtime


def test_healthz(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_when_database_and_redis_answer(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.json


def test_readyz_names_what_is_down(settings, db) -> None:
    broken = Runtime(
        settings.__class__(**{**settings.__dict__, "redis_url": "redis://127.0.0.1:1/0"}),
        database=db,
    )
    response = create_app(runtime=broken).test_client().get("/readyz")
    assert response.status_code == 503
    assert any(problem.startswith("redis unreachable") for problem in response.json["problems"])
