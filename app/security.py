"""Secrets at rest and in comparison: credential encryption and constant-time equality."""

from __future__ import annotations

import hmac
import json
import re
import secrets
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class CredentialCipher:
    """Encrypts a store's credentials (tokens, consumer keys, webhook secrets) with Fernet.

    Fernet is authenticated encryption: a tampered or foreign ciphertext fails to decrypt
    instead of yielding garbage credentials.
    """

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def encrypt(self, credentials: dict[str, Any]) -> bytes:
        """Serialise and encrypt a credentials mapping."""
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode())

    def decrypt(self, token: bytes | None) -> dict[str, Any]:
        """Decrypt credentials written by `encrypt`; an empty column gives an empty mapping."""
        if not token:
            return {}
        try:
            data: dict[str, Any] = json.loads(self._fernet.decrypt(bytes(token)))
        except InvalidToken:
            raise CredentialsUnreadable(
                "stored credentials cannot be decrypted with ENCRYPTION_KEY"
            ) from None
        return data


class CredentialsUnreadable(RuntimeError):
    """The ciphertext was written with another key or altered."""


def constant_time_equals(a: str | bytes, b: str | bytes) -> bool:
    """Compare two secrets without leaking where they differ through timing."""
    a_bytes = a.encode() if isinstance(a, str) else a
    b_bytes = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(a_bytes, b_bytes)


#: The shape of every key `new_public_key` makes (URL-safe base64), with room to spare.
_PUBLIC_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def is_public_key(value: str) -> bool:
    """True when `value` could be a store key; anything else is not looked up at all (a NUL or
    a 10 kB string in a URL must not reach the database as a query parameter)."""
    return bool(_PUBLIC_KEY.match(value))


def new_public_key(nbytes: int = 18) -> str:
    """An unguessable URL-safe identifier (store keys in webhook and tracking URLs)."""
    return secrets.token_urlsafe(nbytes)
