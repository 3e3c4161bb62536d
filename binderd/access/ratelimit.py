"""`RateLimiter`: a fixed window of `limit` requests per `period_seconds` per client IP.

Like upstream, each binderd process counts alone (in memory): behind N
replicas that a load balancer spreads requests over, a client may make up to
N x `limit` requests per window.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from traitlets import Integer
from traitlets.config import LoggingConfigurable


@dataclass(frozen=True)
class RateLimitState:
    """What a request left of its key's window."""

    limit: int
    remaining: int
    reset: float  # epoch seconds when the window ends


class RateLimited(Exception):
    """Over the limit; `state.reset` says when the window ends."""

    def __init__(self, state: RateLimitState, now: float):
        self.state = state
        self.seconds_left = max(1, math.ceil(state.reset - now))
        super().__init__(f"Rate limit exceeded. Try again in {self.seconds_left} seconds.")


class RateLimiter(LoggingConfigurable):
    """Per-key fixed-window counter (upstream's semantics: the window starts at a key's first request)."""

    limit = Integer(10, help="Requests one client IP may make per period (0: no limit).").tag(config=True)
    period_seconds = Integer(3600, help="Length of one rate limit window, in seconds.").tag(config=True)
    clean_seconds = Integer(600, help="Seconds between purges of expired windows from memory.").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._windows: dict[str, list[float]] = {}  # key -> [reset, remaining]
        self._next_clean = 0.0

    def _clean(self, now: float) -> None:
        if now < self._next_clean:
            return
        self._next_clean = now + self.clean_seconds
        for key in [k for k, (reset, _) in self._windows.items() if reset <= now]:
            del self._windows[key]

    def increment(self, key: str, now: float | None = None) -> RateLimitState:
        """Count one request for `key`; raise RateLimited once its window is used up."""
        now = time.time() if now is None else now
        self._clean(now)
        window = self._windows.get(key)
        if window is None or window[0] <= now:
            window = self._windows[key] = [now + self.period_seconds, self.limit]
        window[1] -= 1
        state = RateLimitState(self.limit, int(window[1]), window[0])
        if state.remaining < 0:
            raise RateLimited(state, now)
        return state
