"""The signed event webhook's key pair, signing exactly as SendGrid does.

SendGrid signs `timestamp + payload` with ECDSA P-256 / SHA-256 and sends the base64 of the
DER signature in `X-Twilio-Email-Event-Webhook-Signature`, the timestamp (unix seconds, as text)
in `X-Twilio-Email-Event-Webhook-Timestamp`. The verification key is shown as the base64 of the
DER SubjectPublicKeyInfo ("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE...") (research/email.md §3.4;
sendgrid/docs getting-started-event-webhook-security-features.md).
"""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


class WebhookSigner:
    """Holds the sandbox account's private key and signs event webhook payloads."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey | None = None) -> None:
        self._key = private_key or ec.generate_private_key(ec.SECP256R1())

    @classmethod
    def from_file(cls, path: Path) -> WebhookSigner:
        """Load the key from a PEM file, creating it on first use (stable keys for the demo)."""
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{path} does not hold an EC private key")
            return cls(key)
        signer = cls()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            signer._key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
        return signer

    @property
    def public_key(self) -> str:
        """The verification key in the form SendGrid's UI and API show it."""
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode("ascii")

    def sign(self, timestamp: str, payload: bytes) -> str:
        """base64(DER ECDSA-SHA256 signature of timestamp + payload)."""
        signature = self._key.sign(timestamp.encode("utf-8") + payload, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(signature).decode("ascii")

    def headers(self, payload: bytes, timestamp: int) -> dict[str, str]:
        """The two signature headers for one POST of `payload`."""
        stamp = str(timestamp)
        return {SIGNATURE_HEADER: self.sign(stamp, payload), TIMESTAMP_HEADER: stamp}
