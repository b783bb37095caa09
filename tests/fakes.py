"""Recording fakes of the core's ports, for fast tests of app/core (no network, in memory).

Each fake records every call and can be scripted to fail: `fail_next("issue_codes", error)`
raises `error` on the next call(s) to that method; `hooks[method]` runs a callable just before
the method answers (to make something happen "while" a platform call is in flight).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core.messaging.contracts import (
    EmailContext,
    RenderedEmail,
    TemplateOverride,
)
from app.core.ports import ConnectorError
from app.core.values import (
    CartData,
    CodeRequest,
    CustomerData,
    DiscountSpec,
    IssuedCode,
    IssueResult,
    OrderData,
    OutboundMessage,
    Page,
    ProductData,
    SendResult,
    ShopData,
    WebhookReport,
)


@dataclass
class Scripted:
    """Scriptable failures and hooks shared by the fakes."""

    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    failures: dict[str, list[BaseException]] = field(default_factory=lambda: defaultdict(list))
    hooks: dict[str, Callable[[], None]] = field(default_factory=dict)

    def fail_next(self, method: str, error: BaseException, times: int = 1) -> None:
        """Raise `error` on the next `times` calls of `method`."""
        self.failures[method].extend([error] * times)

    def _enter(self, method: str, *args: Any) -> None:
        self.calls.append((method, args))
        hook = self.hooks.get(method)
        if hook is not None:
            hook()
        if self.failures.get(method):
            raise self.failures[method].pop(0)

    def count(self, method: str) -> int:
        """How many times `method` was called."""
        return sum(1 for name, _ in self.calls if name == method)


@dataclass
class FakeStoreConnector(Scripted):
    """A store that keeps its discount codes in memory; re-creating a code is a success."""

    platform: str = "fake"
    codes: dict[str, tuple[DiscountSpec, CodeRequest]] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    parents: dict[str, str] = field(default_factory=dict)
    consent_writes: list[tuple[str | None, str, bool]] = field(default_factory=list)

    def fetch_shop(self) -> ShopData:
        self._enter("fetch_shop")
        return ShopData(name="Fake Shop", domain="fake.example")

    def list_customers(self, cursor: str | None) -> Page[CustomerData]:
        self._enter("list_customers", cursor)
        return Page(items=())

    def list_products(self, cursor: str | None) -> Page[ProductData]:
        self._enter("list_products", cursor)
        return Page(items=())

    def list_orders(self, cursor: str | None, since: datetime | None) -> Page[OrderData]:
        self._enter("list_orders", cursor, since)
        return Page(items=())

    def list_open_carts(self, cursor: str | None, since: datetime | None) -> Page[CartData]:
        self._enter("list_open_carts", cursor, since)
        return Page(items=())

    def issue_codes(
        self, spec: DiscountSpec, codes: Sequence[CodeRequest], parent_ref: str | None
    ) -> IssueResult:
        self._enter("issue_codes", spec, tuple(codes), parent_ref)
        fingerprint = spec.fingerprint()
        parent = parent_ref or self.parents.setdefault(fingerprint, f"parent-{len(self.parents)}")
        issued = []
        for request in codes:
            # "Already exists with this spec" counts as issued (the port's contract).
            self.codes.setdefault(request.code, (spec, request))
            issued.append(IssuedCode(code=request.code, platform_ref=f"ref-{request.code}"))
        return IssueResult(parent_ref=parent, issued=tuple(issued))

    def delete_codes(self, platform_refs: Sequence[str]) -> None:
        self._enter("delete_codes", tuple(platform_refs))
        for ref in platform_refs:
            self.deleted.append(ref)
            self.codes.pop(ref.removeprefix("ref-"), None)

    def set_marketing_consent(
        self, customer_platform_id: str | None, email: str, subscribed: bool
    ) -> None:
        self._enter("set_marketing_consent", customer_platform_id, email, subscribed)
        self.consent_writes.append((customer_platform_id, email, subscribed))

    def ensure_webhooks(self, callback_url: str) -> WebhookReport:
        self._enter("ensure_webhooks", callback_url)
        return WebhookReport()

    def remove_webhooks(self) -> None:
        self._enter("remove_webhooks")


@dataclass
class FakeSender(Scripted):
    """A mail provider that accepts everything (or refuses the addresses in `refuse`)."""

    sent: list[OutboundMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def send(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        self._enter("send", tuple(messages))
        results = []
        for message in messages:
            if message.to_email in self.refuse:
                results.append(SendResult(message.message_id, False, error="address refused"))
                continue
            self.sent.append(message)
            results.append(SendResult(message.message_id, True, f"provider-{next(self._ids)}"))
        return results

    def to(self, email: str) -> list[OutboundMessage]:
        """Messages sent to one address."""
        return [message for message in self.sent if message.to_email == email]


@dataclass
class FakeRenderer(Scripted):
    """Renders a plain, predictable email from the context (and records the context)."""

    contexts: list[EmailContext] = field(default_factory=list)

    def render(
        self, context: EmailContext, override: TemplateOverride | None = None
    ) -> RenderedEmail:
        self._enter("render", context, override)
        self.contexts.append(context)
        lines = [f"{p.quantity or 1} x {p.title} @ {p.price}" for p in context.products]
        code = f"\nCode: {context.code}" if context.code else ""
        subject = (override.subject if override and override.subject else None) or (
            f"{context.recipe} #{context.step} for {context.first_name or 'you'}"
        )
        text = "\n".join(lines) + code + f"\n{context.cta_url}\n{context.unsubscribe_url}"
        return RenderedEmail(subject=subject, html=f"<pre>{text}</pre>", text=text)


@dataclass
class FakeLinkSigner:
    """Unsigned but recognisable unsubscribe links."""

    def unsubscribe_url(self, store_key: str, email: str) -> str:
        return f"https://nudge.test/u/{store_key}/{email}"


class Boom(ConnectorError):
    """A generic scripted failure (non-retryable)."""
