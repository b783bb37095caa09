"""GET /woocommerce/connect, POST /woocommerce/callback, GET /woocommerce/return."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer
from rq import Queue
from sqlalchemy import select

from app.db.models import Store
from workers.queues import DEFAULT
from workers.serializer import JobSerializer

KEYS = {"consumer_key": "ck_" + "a" * 40, "consumer_secret": "cs_" + "b" * 40}


def connect(client, store_url: str):
    return client.get("/woocommerce/connect", query_string={"store_url": store_url})


def state_from(response) -> str:
    return parse_qs(urlsplit(response.headers["Location"]).query)["user_id"][0]


def grant(state: str, **changes) -> dict:
    return {"key_id": 11, "user_id": state, "key_permissions": "read_write", **KEYS, **changes}


def woo_stores(session) -> list[Store]:
    session.expire_all()  # the request wrote through its own session
    return list(session.scalars(select(Store).where(Store.platform == "woocommerce")))


def test_connect_redirects_to_the_stores_authorize_page(client) -> None:
    response = connect(client, " Shop.Example.com/ ")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert (target.scheme, target.netloc, target.path) == (
        "https",
        "shop.example.com",
        "/wc-auth/v1/authorize",
    )
    query = parse_qs(target.query)
    assert query["scope"] == ["read_write"]
    assert query["callback_url"] == ["https://nudge.test/woocommerce/callback"]
    assert query["return_url"] == ["https://nudge.test/woocommerce/return"]
    assert query["app_name"] == ["Nudge"]


@pytest.mark.parametrize(
    "store_url",
    [
        "",
        "http://shop.example.com",
        "https://u:p@shop.example.com",
        "https://127.0.0.1",
        "https://shop.example.com/?a=1",
    ],
)
def test_connect_refuses_bad_store_urls(client, session, store_url: str) -> None:
    response = connect(client, store_url)
    assert response.status_code == 400
    assert response.json["message"]
    assert woo_stores(session) == []


def test_the_callback_stores_pending_keys_encrypted_and_queues_setup(
    client, session, runtime, redis_client
) -> None:
    state = state_from(connect(client, "https://shop.example.com"))
    response = client.post("/woocommerce/callback", json=grant(state))
    assert response.status_code == 200
    (store,) = woo_stores(session)
    assert (store.domain, store.status) == ("shop.example.com", "installing")
    assert len(store.key) >= 20
    assert KEYS["consumer_secret"].encode() not in store.credentials_encrypted
    pending = store.get_credentials(runtime.cipher)["pending"]
    assert pending["consumer_key"] == KEYS["consumer_key"]
    assert pending["store_url"] == "https://shop.example.com"
    assert pending["key_id"] == 11
    assert len(pending["webhook_secret"]) == 48
    queued = Queue(DEFAULT, connection=redis_client, serializer=JobSerializer).get_job_ids()
    assert [job_id.rsplit("-", 1)[0] for job_id in queued] == [f"woo-setup-{store.id}"]


def test_a_callback_replayed_with_the_same_state_is_refused(client, session, runtime) -> None:
    state = state_from(connect(client, "https://shop.example.com"))
    assert client.post("/woocommerce/callback", json=grant(state)).status_code == 200
    replay = client.post(
        "/woocommerce/callback",
        json=grant(state, consumer_key="ck_" + "c" * 40, consumer_secret="cs_" + "d" * 40),
    )
    assert replay.status_code == 400
    (store,) = woo_stores(session)
    assert store.get_credentials(runtime.cipher)["pending"]["consumer_key"] == KEYS["consumer_key"]


@pytest.mark.parametrize(
    "change",
    [
        {"user_id": "forged.state"},
        {"key_permissions": "read"},
        {"consumer_secret": "plain"},
    ],
)
def test_bad_callbacks_are_400_and_create_nothing(client, session, change: dict) -> None:
    state = state_from(connect(client, "https://shop.example.com"))
    response = client.post("/woocommerce/callback", json=grant(state, **change))
    assert response.status_code == 400
    assert woo_stores(session) == []


def test_a_state_signed_with_another_key_or_too_old_is_refused(
    client, session, settings, monkeypatch
) -> None:
    foreign = URLSafeTimedSerializer("another-secret-key-123456", salt="nudge.woocommerce.connect")
    forged = foreign.dumps({"u": "https://shop.example.com", "n": "x"})
    ours = URLSafeTimedSerializer(settings.secret_key, salt="nudge.woocommerce.connect")
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: 1_000_000_000.0)
        expired = ours.dumps({"u": "https://shop.example.com", "n": "y"})
    for state in (forged, expired):
        assert client.post("/woocommerce/callback", json=grant(state)).status_code == 400
    assert client.post("/woocommerce/callback", data="not json").status_code == 400
    assert woo_stores(session) == []


def test_reconnecting_keeps_the_store_and_its_key(client, session, woo_store, runtime) -> None:
    state = state_from(connect(client, "https://shop.example.com/"))
    assert client.post("/woocommerce/callback", json=grant(state)).status_code == 200
    (store,) = woo_stores(session)
    assert (store.id, store.key, store.status) == (woo_store.id, woo_store.key, "active")
    credentials = store.get_credentials(runtime.cipher)
    assert credentials["consumer_key"] == "ck_" + "1" * 40  # still working until setup proves
    assert credentials["pending"]["consumer_key"] == KEYS["consumer_key"]


@pytest.mark.parametrize(("success", "outcome"), [("1", "connected"), ("0", "denied")])
def test_return_lands_on_the_admin_page(client, success: str, outcome: str) -> None:
    response = client.get("/woocommerce/return", query_string={"success": success, "user_id": "s"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/?woocommerce={outcome}"
