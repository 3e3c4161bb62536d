"""`RetryPolicy`: when an outbound request is tried again, and after how long."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, back-off and which failures are worth another attempt.

    `attempts` counts the first try (1: never retry). The n-th retry waits
    `delay * factor ** (n - 1)` seconds, at most `max_delay`.
    """

    attempts: int = 3
    delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0
    retry_statuses: frozenset[int] = frozenset({502, 503, 504})
    retry_connection_errors: bool = True

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be at least 1, not {self.attempts}")
        if self.delay < 0 or self.factor < 1 or self.max_delay < 0:
            raise ValueError("RetryPolicy delays must be non-negative and factor at least 1")

    def delays(self) -> Iterator[float]:
        """The waits before each retry (attempts - 1 of them)."""
        wait = self.delay
        for _ in range(self.attempts - 1):
            yield min(wait, self.max_delay)
            wait *= self.factor

    def retries_status(self, code: int) -> bool:
        """True when an answer with this status is worth another attempt."""
        return code in self.retry_statuses

    @classmethod
    def server_errors(cls, attempts: int, delay: float) -> RetryPolicy:
        """Retry every 5xx answer and connection errors (registries, the hub)."""
        return cls(attempts=attempts, delay=delay, retry_statuses=frozenset(range(500, 600)))
