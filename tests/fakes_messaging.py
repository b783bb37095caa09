"""Recording fakes for the messaging tests (tests/fakes.py belongs to the engine's tests)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ConsentCall:
    customer_platform_id: str | None
    email: str
    subscribed: bool


@dataclass
class RecordingConnector:
    """A StoreConnector stand-in that records `set_marketing_consent` calls.

    `fail_with` maps a platform customer id to the error that call raises, to test retries and
    customers deleted on the platform.
    """

    platform: str = "shopify"
    consent_calls: list[ConsentCall] = field(default_factory=list)
    fail_with: dict[str | None, Exception] = field(default_factory=dict)

    def set_marketing_consent(
        self, customer_platform_id: str | None, email: str, subscribed: bool
    ) -> None:
        error = self.fail_with.get(customer_platform_id)
        if error is not None:
            raise error
        self.consent_calls.append(ConsentCall(customer_platform_id, email, subscribed))
