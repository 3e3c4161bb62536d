"""Connection pools per destination, made inside the running loop, and `send` with a retry policy."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse
from tornado.netutil import Resolver

from binderd.http.retry import RetryPolicy

log = logging.getLogger("binderd.http")

DEFAULT_MAX_BODY = 64 * 1024 * 1024  # no answer binderd reads whole is near this


class Unreachable(Exception):
    """Every attempt failed without an HTTP answer (refused, unreachable, timed out, TLS)."""

    def __init__(self, reason: str, attempts: int):
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


@dataclass(frozen=True)
class _Key:
    loop: int  # a client belongs to the loop it was made in
    scheme: str
    netloc: str
    pins: tuple[str, ...]
    max_body: int
    max_clients: int


class Pools:
    """One tornado client per destination, each with `max_clients` connection slots."""

    def __init__(self, max_clients: int = 10) -> None:
        self.max_clients = max_clients
        self._clients: dict[_Key, AsyncHTTPClient] = {}

    def client(self, url: str, resolver: Resolver | None = None, pins: Sequence[str] = (),
               max_body: int = DEFAULT_MAX_BODY, max_clients: int = 0) -> AsyncHTTPClient:
        """The client for `url`'s destination, made now (in the running loop) if there is none.

        `max_clients`: its connection slots (0: the pools' default).
        """
        loop = asyncio.get_running_loop()
        parts = urlsplit(url)
        slots = max_clients or self.max_clients
        key = _Key(id(loop), parts.scheme, parts.netloc.rpartition("@")[2].lower(), tuple(pins), max_body, slots)
        client = self._clients.get(key)
        if client is None:
            for stale in [k for k in self._clients if k.loop != key.loop]:  # a loop that has ended
                self._clients.pop(stale).close()
            kwargs: dict[str, Any] = {"max_clients": slots, "max_body_size": max_body}
            if resolver is not None:
                kwargs["resolver"] = resolver
            client = self._clients[key] = AsyncHTTPClient(force_instance=True, **kwargs)
        return client

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()


_default = Pools()


def default_pools() -> Pools:
    """The process-wide pools every caller shares unless it brings its own."""
    return _default


async def send(
    request: HTTPRequest,
    policy: RetryPolicy,
    *,
    pools: Pools | None = None,
    resolver: Resolver | None = None,
    pins: Sequence[str] = (),
    max_body: int = DEFAULT_MAX_BODY,
    max_clients: int = 0,
    what: str = "",
    final: Callable[[], bool] | None = None,
) -> HTTPResponse:
    """Send `request` with `policy`: the final answer (retryable ones included once attempts run out).

    Raises Unreachable when the last attempt got no answer at all. `what` names
    the destination in the operator's log (never headers or bodies). `final()`,
    asked after a failed attempt, True: do not retry (e.g. the caller's own size
    cap cut the answer off).
    """
    if not request.request_timeout or not request.connect_timeout:
        raise ValueError("every outbound request needs request_timeout and connect_timeout")
    client = (pools or _default).client(request.url, resolver, pins, max_body, max_clients)
    delays = policy.delays()
    attempt = 0
    while True:
        attempt += 1
        try:
            response = await client.fetch(request, raise_error=False)
            failure = str(response.error) if response.code == 599 else ""
        except (OSError, HTTPClientError) as e:
            response, failure = None, str(e) or type(e).__name__
        if failure:
            retry = policy.retry_connection_errors and not (final and final())
        else:
            assert response is not None
            if not policy.retries_status(response.code):
                return response
            retry = True
        wait = next(delays, None) if retry else None
        if wait is None:
            if failure:
                raise Unreachable(failure, attempt)
            assert response is not None
            return response
        log.info("%s %s: %s, attempt %d; retrying in %.1fs", request.method, what or urlsplit(request.url).netloc,
                 failure or f"HTTP {response.code if response else '?'}", attempt, wait)
        await asyncio.sleep(wait)
