"""Store credentials are encrypted at rest with ENCRYPTION_KEY and never stored in clear."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from app.security import CredentialCipher, CredentialsUnreadable
from tests.factories import make_store

SECRET_TOKEN = "shpat_0123456789abcdef-very-secret"


def test_credentials_round_trip_and_are_not_stored_in_clear(session, runtime) -> None:
    store = make_store(session)
    store.set_credentials(runtime.cipher, {"access_token": SECRET_TOKEN, "refresh_token": "r1"})
    session.commit()

    raw = session.execute(
        text("SELECT credentials_encrypted FROM stores WHERE id = :id"), {"id": store.id}
    ).scalar_one()
    assert SECRET_TOKEN.encode() not in bytes(raw)
    assert b"refresh_token" not in bytes(raw)
    dumped = session.execute(text("SELECT * FROM stores WHERE id = :id"), {"id": store.id}).one()
    assert all(SECRET_TOKEN not in str(value) for value in dumped)

    session.expire_all()
    assert store.get_credentials(runtime.cipher)["access_token"] == SECRET_TOKEN


def test_another_key_cannot_read_them(session, runtime) -> None:
    store = make_store(session)
    store.set_credentials(runtime.cipher, {"access_token": SECRET_TOKEN})
    other = CredentialCipher(Fernet.generate_key().decode())
    with pytest.raises(CredentialsUnreadable):
        store.get_credentials(other)


def test_no_credentials_reads_as_empty(session, runtime) -> None:
    assert make_store(session).get_credentials(runtime.cipher) == {}
