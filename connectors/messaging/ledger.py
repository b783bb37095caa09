"""How a sender answers for several messages that went out in several requests.

`MessageSender.send` raises when the whole call failed, so the caller retries or fails all of it
by the error's type. Once any request of the call was accepted, raising would make the caller
retry (and duplicate) what the provider already took; then every message gets its own
`SendResult` instead, and the ones not accepted carry the error's class and text
("RateLimited: ...") so the caller can retry just those.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.core.ports import (
    AuthRevoked,
    ConnectorError,
    OutcomeUnknown,
    Permanent,
    RateLimited,
    Transient,
)
from app.core.values import OutboundMessage, SendResult

#: When nothing was accepted, the error raised is the one most worth retrying — except that a
#: possibly-accepted request comes first: retrying it could send the same email twice.
_PRIORITY: tuple[type[ConnectorError], ...] = (
    OutcomeUnknown,
    RateLimited,
    Transient,
    AuthRevoked,
    Permanent,
)


def _rank(error: ConnectorError) -> int:
    return next(
        (index for index, kind in enumerate(_PRIORITY) if isinstance(error, kind)),
        len(_PRIORITY),
    )


class SendLedger:
    """Collects the outcome of each message of one `send` call, by position."""

    def __init__(self, messages: Sequence[OutboundMessage]) -> None:
        self._messages = messages
        self._results: dict[int, SendResult] = {}
        self._errors: list[ConnectorError] = []

    def accepted(self, positions: Iterable[int], provider_message_id: str | None) -> None:
        """The provider took these messages."""
        for position in positions:
            self._results[position] = SendResult(
                message_id=self._messages[position].message_id,
                accepted=True,
                provider_message_id=provider_message_id,
            )

    def failed(
        self, positions: Iterable[int], error: ConnectorError, *, attempted: bool = True
    ) -> None:
        """These messages were refused (or, `attempted=False`, never tried) because of `error`."""
        self._errors.append(error)
        text = f"{type(error).__name__}: {error}"
        if not attempted:
            text = f"not attempted after {text}"
        for position in positions:
            self._results[position] = SendResult(
                message_id=self._messages[position].message_id,
                accepted=False,
                error=text,
                outcome_unknown=attempted and isinstance(error, OutcomeUnknown),
            )

    def finish(self) -> list[SendResult]:
        """One result per message in input order, or the error if nothing was accepted."""
        if self._errors and not any(result.accepted for result in self._results.values()):
            raise min(self._errors, key=_rank)
        return [self._results[position] for position in range(len(self._messages))]
