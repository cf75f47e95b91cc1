"""How connectors report failure: connectors classify, jobs decide."""

from __future__ import annotations


class DeliveryError(Exception):
    """A call to another system failed."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status

    def __str__(self) -> str:
        return f"{self.status} {self.reason}" if self.status else self.reason


class RetriableError(DeliveryError):
    """Worth trying again later: connection error, timeout, 408, 429, 5xx.

    `retry_after` (seconds) is the other side's own wish (a Retry-After header).
    `counts_against_destination` is False when the destination is healthy but busy with this
    one request, so the circuit breaker should not open for it.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        counts_against_destination: bool = True,
    ) -> None:
        super().__init__(reason, status=status)
        self.retry_after = retry_after
        self.counts_against_destination = counts_against_destination


class FatalError(DeliveryError):
    """Trying again cannot help (another 4xx, an unreadable answer): dead-letter it."""
