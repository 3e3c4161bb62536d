"""`SingleFlight`: concurrent callers asking the same question share one answer.

Used where many requests for one link arrive at once (a popular badge, an API
client polling): one ref resolution and one image lookup serve all of them,
instead of one per request against the git server or registry. Nothing is
cached: a question asked after the shared answer arrived is asked again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


def _retrieve(future: asyncio.Future) -> None:
    # nobody may be left waiting (all callers cancelled): fetch the outcome so it is not reported as lost
    if not future.cancelled():
        future.exception()


class SingleFlight:
    """One in-flight call per key; every caller of that key awaits it."""

    def __init__(self) -> None:
        self._calls: dict[Hashable, asyncio.Future] = {}

    async def run(self, key: Hashable, call: Callable[[], Awaitable[T]]) -> T:
        """The result of `call()`, or of the call for `key` already under way."""
        future = self._calls.get(key)
        if future is None:
            future = asyncio.ensure_future(call())
            self._calls[key] = future
            future.add_done_callback(lambda _: self._calls.pop(key, None))
            future.add_done_callback(_retrieve)
        # shielded: a caller that leaves does not cancel the answer the others wait for
        return await asyncio.shield(future)
