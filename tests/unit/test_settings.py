"""Settings.from_env: every variable read once, validated, one clear line on failure."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from app.config import Settings, SettingsError

VALID = {
    "SECRET_KEY": "s" * 32,
    "ENCRYPTION_KEY": Fernet.generate_key().decode(),
    "APP_URL": "https://nudge.example.com/",
    "SENDGRID_API_KEY": "SG.key",
}


def test_minimal_environment_gives_defaults() -> None:
    settings = Settings.from_env(VALID)
    assert settings.app_url == "https://nudge.example.com"
    assert settings.database_url is None and settings.redis_url is None
    assert settings.sqlalchemy_url.startswith("sqlite:///") and settings.sqlalchemy_url.endswith(
        "instance/nudge.db"
    )
    assert settings.shopify_api_version == "2026-07"
    assert settings.mail_backend == "sendgrid"
    assert settings.port == 8000
    assert settings.shopify_enabled is False


def test_every_variable_is_read() -> None:
    env = VALID | {
        "DATABASE_URL": "postgres://u:p@db/nudge",
        "REDIS_URL": "redis://cache:6379/1",
        "SHOPIFY_API_KEY": "key",
        "SHOPIFY_API_SECRET": "secret",
        "SHOPIFY_API_VERSION": "2026-10",
        "SHOPIFY_ADMIN_ORIGIN": "http://127.0.0.1:9001",
        "SENDGRID_API_HOST": "http://127.0.0.1:9003/",
        "SENDGRID_WEBHOOK_PUBLIC_KEY": "MFkw...",
        "MAIL_BACKEND": "SMTP",
        "PORT": "9000",
    }
    settings = Settings.from_env(env)
    assert settings.sqlalchemy_url == "postgresql+psycopg://u:p@db/nudge"
    assert settings.redis_url == "redis://cache:6379/1"
    assert settings.shopify_enabled
    assert settings.shopify_api_version == "2026-10"
    assert settings.shopify_admin_origin == "http://127.0.0.1:9001"
    assert settings.sendgrid_api_host == "http://127.0.0.1:9003"
    assert settings.sendgrid_webhook_public_key == "MFkw..."
    assert settings.mail_backend == "smtp"
    assert settings.port == 9000


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is missing"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is malformed"),
        ({"ENCRYPTION_KEY": ""}, "ENCRYPTION_KEY is missing"),
        ({"ENCRYPTION_KEY": "not-a-fernet-key"}, "ENCRYPTION_KEY is malformed"),
        ({"APP_URL": ""}, "APP_URL is missing"),
        ({"APP_URL": "nudge.example.com"}, "APP_URL is malformed"),
        ({"SHOPIFY_API_KEY": "key"}, "SHOPIFY_API_SECRET is missing"),
        ({"SHOPIFY_API_SECRET": "secret"}, "SHOPIFY_API_KEY is missing"),
        ({"SHOPIFY_API_VERSION": "latest"}, "SHOPIFY_API_VERSION is malformed"),
        ({"SHOPIFY_ADMIN_ORIGIN": "ftp://x"}, "SHOPIFY_ADMIN_ORIGIN is malformed"),
        ({"SENDGRID_API_KEY": ""}, "SENDGRID_API_KEY is missing"),
        ({"SENDGRID_API_HOST": "api.sendgrid.com"}, "SENDGRID_API_HOST is malformed"),
        ({"MAIL_BACKEND": "pigeon"}, "MAIL_BACKEND is malformed"),
        ({"PORT": "eighty"}, "PORT is malformed"),
        ({"PORT": "70000"}, "PORT is malformed"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL is malformed"),
        ({"REDIS_URL": "http://cache"}, "REDIS_URL is malformed"),
    ],
)
def test_bad_values_fail_with_one_line_naming_the_variable(
    change: dict[str, str], expected: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(VALID | change)
    message = str(raised.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_smtp_backend_does_not_need_a_sendgrid_key() -> None:
    env = {k: v for k, v in VALID.items() if k != "SENDGRID_API_KEY"} | {"MAIL_BACKEND": "smtp"}
    assert Settings.from_env(env).mail_backend == "smtp"


def test_connection_urls_are_never_echoed() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(VALID | {"REDIS_URL": "http://user:hunter2@cache"})
    assert "hunter2" not in str(raised.value)


def test_settings_never_print_their_secrets() -> None:
    from cryptography.fernet import Fernet

    from app.config import Settings

    settings = Settings(
        secret_key="s3cret-key-value-0123456789",
        encryption_key=Fernet.generate_key().decode(),
        app_url="https://nudge.example",
        database_url="postgresql://nudge:db-password@db/nudge",
        redis_url="redis://:redis-password@cache:6379/0",
        shopify_api_key="client-id",
        shopify_api_secret="shpss_client_secret_value",
        sendgrid_api_key="SG.sendgrid-key-value",
    )
    shown = repr(settings) + str(settings)
    for secret in (
        settings.secret_key,
        settings.encryption_key,
        "db-password",
        "redis-password",
        "shpss_client_secret_value",
        "SG.sendgrid-key-value",
    ):
        assert secret not in shown
    assert "https://nudge.example" in shown


def test_retention_periods_default_and_are_validated() -> None:
    defaults = Settings.from_env(VALID)
    assert (defaults.inbound_body_retention_days, defaults.product_view_retention_days) == (30, 180)
    chosen = Settings.from_env(
        VALID | {"INBOUND_BODY_RETENTION_DAYS": "7", "PRODUCT_VIEW_RETENTION_DAYS": "90"}
    )
    assert (chosen.inbound_body_retention_days, chosen.product_view_retention_days) == (7, 90)
    for name, value in (("INBOUND_BODY_RETENTION_DAYS", "0"), ("PRODUCT_VIEW_RETENTION_DAYS", "x")):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env(VALID | {name: value})
