"""Webhook paths get Flask's null session (no cookie read, none ever set); pages keep theirs."""

from __future__ import annotations

import pytest
from flask import session
from flask.sessions import NullSession, SecureCookieSession


@pytest.mark.parametrize(
    "path", ["/webhooks/shopify", "/webhooks/woocommerce/k", "/webhooks/sendgrid"]
)
def test_a_webhook_has_the_null_session(app, path) -> None:
    with app.test_request_context(path, method="POST"):
        assert isinstance(session._get_current_object(), NullSession)
        with pytest.raises(RuntimeError):
            session["admin"] = {"store_id": 1}


def test_a_page_has_the_cookie_session(app) -> None:
    with app.test_request_context("/shopify"):
        current = session._get_current_object()
        assert isinstance(current, SecureCookieSession)
        assert not isinstance(current, NullSession)


def test_a_webhook_answer_sets_no_cookie(client) -> None:
    response = client.post("/webhooks/shopify", data=b"{}", headers={"Cookie": "session=x"})

    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
