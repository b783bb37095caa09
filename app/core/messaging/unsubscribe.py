"""Unsubscribe links (signed, per recipient), the RFC 8058 headers, and unsubscribing itself.

Every marketing email carries `{APP_URL}/u/<token>`, where the token is the store's public key
and the recipient's email, signed with HMAC-SHA256 under a key derived from SECRET_KEY for this
purpose only (HKDF, info "nudge/unsubscribe-link/v1"), so a token can be neither forged nor
re-targeted at another address or store, and a leak of another purpose's key proves nothing here.

Tokens do not expire, on purpose: CAN-SPAM requires the opt-out to keep working for at least
30 days after sending, shoppers unsubscribe from emails months old, and an expired link pushes
them to the "report spam" button, which hurts every store's deliverability. A link only unsubscribes
(the most harmless action there is), so a long-lived token carries no risk worth an expiry.
Rotating SECRET_KEY invalidates every link already sent; the version prefix leaves room for
accepting an older key during a rotation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core.messaging.suppressions import suppression_keys
from app.core.mirror import normalize_email
from app.db.base import utcnow
from app.db.idempotent import insert_once
from app.db.models import AuditEntry, Customer, Enrollment, Store, Suppression

LINK_FORMAT_VERSION = "1"
_PURPOSE = b"nudge/unsubscribe-link/v1"
_MAC_BYTES = 16  # 128-bit tag: unforgeable, and the URL stays short
_MAX_TOKEN_CHARS = 1024


class InvalidUnsubscribeToken(ValueError):
    """The token is malformed, of an unknown version, or its signature does not match."""


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Who a valid token unsubscribes, from which store."""

    store_key: str
    email: str


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    try:
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise InvalidUnsubscribeToken("the link is malformed") from None


class UnsubscribeLinks:
    """The `LinkSigner`: signs and verifies per-recipient unsubscribe links."""

    def __init__(self, secret_key: str, app_url: str) -> None:
        if not secret_key:
            raise ValueError("an unsubscribe link needs a secret key")
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
            secret_key.encode()
        )
        self.app_url = app_url.rstrip("/")

    def token(self, store_key: str, email: str) -> str:
        """The signed token for this recipient of this store."""
        address = normalize_email(email)
        if not store_key or "\n" in store_key or not address or "@" not in address:
            raise ValueError("an unsubscribe token needs a store key and an email address")
        payload = _b64encode(f"{store_key}\n{address}".encode())
        return f"{LINK_FORMAT_VERSION}.{payload}.{_b64encode(self._mac(payload))}"

    def unsubscribe_url(self, store_key: str, email: str) -> str:
        """`{APP_URL}/u/<token>`: the page and the RFC 8058 one-click endpoint."""
        return f"{self.app_url}/u/{self.token(store_key, email)}"

    def parse(self, token: str) -> UnsubscribeTarget:
        """The store key and email a token was signed for; InvalidUnsubscribeToken otherwise."""
        if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_CHARS:
            raise InvalidUnsubscribeToken("the link is malformed")
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidUnsubscribeToken("the link is malformed")
        version, payload, tag = parts
        if version != LINK_FORMAT_VERSION:
            raise InvalidUnsubscribeToken(f"unknown link version {version[:8]!r}")
        if not hmac.compare_digest(_b64decode(tag), self._mac(payload)):
            raise InvalidUnsubscribeToken("the link's signature does not match")
        try:
            store_key, email = _b64decode(payload).decode("utf-8").split("\n")
        except (UnicodeDecodeError, ValueError):
            raise InvalidUnsubscribeToken("the link is malformed") from None
        return UnsubscribeTarget(store_key=store_key, email=email)

    def _mac(self, payload: str) -> bytes:
        message = f"{LINK_FORMAT_VERSION}.{payload}".encode("ascii", errors="replace")
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_MAC_BYTES]


def list_unsubscribe_headers(url: str) -> dict[str, str]:
    """RFC 8058 one-click headers (Gmail and Yahoo require them of bulk senders).

    The URL must be HTTPS in production (RFC 8058 §3.1); the headers must be part of the API
    request so the provider's DKIM signature covers them.
    """
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


@dataclass(frozen=True)
class UnsubscribeResult:
    """What an unsubscribe changed (nothing, the second time)."""

    email: str
    newly_suppressed: bool
    customers_updated: int
    enrollments_exited: int

    @property
    def changed(self) -> bool:
        """True when this call changed anything."""
        return self.newly_suppressed or bool(self.customers_updated or self.enrollments_exited)


def unsubscribe(session: Session, store: Store, email: str, source: str) -> UnsubscribeResult:
    """Suppress `email` for `store` at once: suppression row, consent, and every open enrollment.

    Idempotent; the caller commits. Exiting the enrollments here (not at the next step) is what
    stops the next scheduled email. Writing the consent back to the platform is a job
    (`workers.consent`), owed until `Suppression.consent_written_back_at` is set.
    """
    address = normalize_email(email)
    if not address or "@" not in address:
        raise ValueError(f"not an email address: {email!r}")
    now = utcnow()
    created = _suppress(session, store, address, source)
    customer_ids = list(
        session.scalars(
            select(Customer.id).where(Customer.store_id == store.id, Customer.email == address)
        )
    )
    updated = _set_consent_unsubscribed(session, store, customer_ids, now)
    exited = _exit_enrollments(session, store, customer_ids, now)
    result = UnsubscribeResult(address, created, updated, exited)
    if result.changed:
        session.add(
            AuditEntry(
                store_id=store.id,
                action="customer.unsubscribed",
                subject=f"customers:{','.join(map(str, customer_ids))}",
                detail={"source": source, "enrollments_exited": exited},
            )
        )
    session.flush()
    return result


def unsubscribe_customer(
    session: Session, store: Store, customer: Customer, source: str
) -> UnsubscribeResult:
    """Unsubscribe one customer of `store` (the admin's button): by address when there is one,
    else withdraw that customer's consent and stop their journeys."""
    if customer.store_id != store.id:
        raise ValueError("customer belongs to another store")
    if customer.email:
        return unsubscribe(session, store, customer.email, source)
    now = utcnow()
    updated = _set_consent_unsubscribed(session, store, [customer.id], now)
    exited = _exit_enrollments(session, store, [customer.id], now)
    session.flush()
    return UnsubscribeResult("", False, updated, exited)


def _suppress(session: Session, store: Store, address: str, source: str) -> bool:
    """Insert the suppression once; True when it is new."""
    created = insert_once(
        session,
        Suppression,
        {"store_id": store.id, "email": address, "reason": "unsubscribed", "source": source[:40]},
        unique=("store_id", "email"),
    )
    if not created:
        # A bounce or complaint may have suppressed the address already; an explicit
        # unsubscribe is the stronger fact (it must reach the platform's consent too).
        session.execute(
            update(Suppression)
            .where(
                Suppression.store_id == store.id,
                Suppression.email == address,
                Suppression.reason != "unsubscribed",
            )
            .values(reason="unsubscribed", source=source[:40], consent_written_back_at=None)
        )
    return created


def is_suppressed(session: Session, store: Store, email: str) -> bool:
    """True when `email` must not be emailed by this store."""
    address = normalize_email(email)
    return address is not None and (
        session.scalar(
            select(Suppression.id)
            .where(
                Suppression.store_id == store.id,
                Suppression.email.in_(suppression_keys(store.key, address)),
            )
            .limit(1)
        )
        is not None
    )


def _set_consent_unsubscribed(
    session: Session, store: Store, customer_ids: list[int], now: datetime
) -> int:
    if not customer_ids:
        return 0
    result = session.execute(
        update(Customer)
        .where(
            Customer.store_id == store.id,
            Customer.id.in_(customer_ids),
            Customer.consent.not_in(("unsubscribed", "redacted")),
        )
        .values(consent="unsubscribed", consent_updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _exit_enrollments(
    session: Session, store: Store, customer_ids: list[int], now: datetime
) -> int:
    if not customer_ids:
        return 0
    result = session.execute(
        update(Enrollment)
        .where(
            Enrollment.store_id == store.id,
            Enrollment.customer_id.in_(customer_ids),
            Enrollment.state.in_(("active", "claimed")),
        )
        .values(state="exited", exit_reason="unsubscribed", finished_at=now, next_run_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
