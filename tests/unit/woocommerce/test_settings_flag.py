"""WOOCOMMERCE_ALLOW_PRIVATE_STORES: off unless set, and only true/false spellings."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from app.config import Settings, SettingsError

VALID = {
    "SECRET_KEY": "s" * 32,
    "ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "APP_URL": "https://nudge.example.com",
    "SENDGRID_API_KEY": "SG.key",
}


def test_private_stores_are_refused_by_default() -> None:
    assert Settings.from_env(VALID).woocommerce_allow_private_stores is False


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("no", False)])
def test_the_flag_reads_true_and_false(value: str, expected: bool) -> None:
    env = VALID | {"WOOCOMMERCE_ALLOW_PRIVATE_STORES": value}
    assert Settings.from_env(env).woocommerce_allow_private_stores is expected


def test_a_malformed_flag_names_itself() -> None:
    with pytest.raises(SettingsError, match="WOOCOMMERCE_ALLOW_PRIVATE_STORES"):
        Settings.from_env(VALID | {"WOOCOMMERCE_ALLOW_PRIVATE_STORES": "maybe"})
