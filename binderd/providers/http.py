"""Outbound HTTP for providers: every call bounded, every failure a clear message.

Providers ask services (GitHub, Zenodo, doi.org, ...) what a link points at.
This module owns how they ask: one `fetch` with a timeout, a bounded number of
retries for transient failures, a cap on the size of the answer, and redirects
followed by hand only to hosts the provider allows (a DOI that resolves to the
wrong service, or an API that redirects elsewhere, is an error, not a fetch).
Failures raise `ResolveError` with a message for the user; nothing here logs or
returns request headers, so credentials sent in them stay out of messages.
Which hosts may be reached is `hosts.HostPolicy`'s business.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from tornado.httpclient import HTTPRequest
from tornado.httputil import HTTPHeaders, HTTPInputError

from binderd import __version__, netguard
from binderd.errors import ResolveError
from binderd.http import RetryPolicy, Unreachable, send
from binderd.providers.hosts import HostPolicy

USER_AGENT = f"BinderHub (binderd {__version__})"
_REDIRECTS = (301, 302, 303, 307, 308)
_TRANSIENT = (502, 503, 504)
_MAX_REDIRECTS = 8
_BACKOFF = 0.25  # seconds before the first retry; doubles on each further one


@dataclass(frozen=True)
class Limits:
    """How long, how often and how much a provider's calls may take."""

    timeout: float = 10.0
    retries: int = 2
    max_bytes: int = 4 * 1024 * 1024


@dataclass
class Answer:
    """A service's final (non-redirect) answer."""

    service: str
    url: str
    code: int
    reason: str
    headers: HTTPHeaders
    body: bytes = field(repr=False)

    def json(self) -> Any:
        """The body as JSON; ResolveError naming the service if it is not JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            where = urlsplit(self.url).path
            raise ResolveError(f"{self.service} answered {where} with malformed JSON.") from None

    def document(self, missing: Iterable[int] = (404,)) -> Any:
        """The JSON of a 200 answer; None if the code is one of `missing`; else ResolveError
        (for 429, upstream's "rate limit exceeded. Try again in N minutes.")."""
        if self.code in missing:
            return None
        if self.code == 429:
            raise ResolveError(rate_limit_message(self.service, self.retry_after()))
        if self.code != 200:
            raise self.error()
        return self.json()

    def api_message(self) -> str:
        """The `message` field services put in error bodies, if any (shortened)."""
        try:
            data = json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return ""
        message = data.get("message") if isinstance(data, dict) else None
        return str(message)[:200] if message else ""

    def retry_after(self, default: int = 60) -> int:
        """Seconds the Retry-After header asks to wait (`default` if absent or a date)."""
        value = self.headers.get("Retry-After", "")
        return int(value) if value.isdigit() else default

    def error(self, what: str = "") -> ResolveError:
        """A ResolveError for an answer the caller cannot use."""
        detail = self.api_message()
        text = f"{self.service} answered {self.code} {self.reason}".rstrip()
        if what:
            text += f" {what}"
        return ResolveError(text + (f": {detail}" if detail else "."))


def rate_limit_message(service: str, seconds: float) -> str:
    """Upstream's wording: the wait rounded up to the next five minutes."""
    minutes = 5 * (1 + int(max(seconds, 0)) // 60 // 5)
    return f"{service} rate limit exceeded. Try again in {minutes} minutes."


class _Body:
    """Collects an answer's body up to `limit` bytes (after decompression).

    Beyond it (or when Content-Length announces more), it raises HTTPInputError,
    which makes tornado drop the connection at once without logging a traceback;
    `oversized` then tells the real reason.
    """

    def __init__(self, limit: int):
        self.limit = limit
        self.data = bytearray()
        self.oversized = False

    def header(self, line: str) -> None:
        if line.startswith("HTTP/"):  # a new attempt's answer: forget an earlier one's body
            self.data.clear()
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length" and value.strip().isdigit() and int(value) > self.limit:
            self._overflow()

    def chunk(self, data: bytes) -> None:
        if len(self.data) + len(data) > self.limit:
            self._overflow()
        self.data.extend(data)

    def _overflow(self) -> None:
        self.oversized = True
        raise HTTPInputError(f"answer larger than {self.limit} bytes")


async def _fetch_retrying(request: HTTPRequest, limits: Limits, service: str,
                          pins: list[netguard.IPAddress]) -> Answer:
    body = _Body(limits.max_bytes)
    request.header_callback, request.streaming_callback = body.header, body.chunk
    # With pins the client connects to the addresses the policy checked, never
    # to a second lookup's; each destination has its own pool of connections.
    policy = RetryPolicy(attempts=max(limits.retries, 0) + 1, delay=_BACKOFF, retry_statuses=frozenset(_TRANSIENT))
    try:
        response = await send(
            request, policy, resolver=netguard.PinnedResolver(addresses=pins) if pins else None,
            pins=[str(p) for p in pins], what=service, final=lambda: body.oversized,
        )
    except Unreachable as e:
        if body.oversized:
            raise ResolveError(
                f"{service}'s answer is larger than {limits.max_bytes} bytes; binderd stopped reading."
            ) from None
        tried = f" ({e.attempts} attempts)" if e.attempts > 1 else ""
        if "timeout" in e.reason.lower():
            raise ResolveError(f"{service} did not answer within {limits.timeout:g} seconds{tried}.") from None
        reason = e.reason.removeprefix("HTTP 599: ")
        raise ResolveError(f"Could not reach {service} at {urlsplit(request.url).netloc}: {reason}{tried}.") from None
    if response.code in _TRANSIENT:
        tried = f" ({policy.attempts} attempts)" if policy.attempts > 1 else ""
        raise ResolveError(f"{service} is unavailable: it answered {response.code} {response.reason}{tried}.")
    return Answer(service, request.url, response.code, response.reason or "", response.headers, bytes(body.data))


async def fetch(
    url: str,
    *,
    service: str,
    limits: Limits,
    policy: HostPolicy,
    headers: dict[str, str] | None = None,
    basic_auth: tuple[str, str] | None = None,
) -> Answer:
    """GET `url`, following redirects that `policy` allows; the final Answer.

    Any status code is returned for the caller to interpret, except transient
    5xx answers, which are retried and then raised as ResolveError like
    timeouts, connection failures, oversized answers and refused redirects.
    """
    for _ in range(_MAX_REDIRECTS + 1):
        pins = await policy.check(url, service)
        request = HTTPRequest(
            url,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            follow_redirects=False,
            connect_timeout=limits.timeout,
            request_timeout=limits.timeout,
            auth_username=basic_auth[0] if basic_auth else None,
            auth_password=basic_auth[1] if basic_auth else None,
        )
        answer = await _fetch_retrying(request, limits, service, pins)
        location = answer.headers.get("Location")
        if answer.code not in _REDIRECTS or not location:
            return answer
        url = urljoin(url, location)
    raise ResolveError(f"{service} redirected more than {_MAX_REDIRECTS} times.")


async def get_document(
    base: str,
    path: str,
    *,
    service: str,
    limits: Limits,
    headers: dict[str, str] | None = None,
    missing: Iterable[int] = (404,),
) -> Any:
    """GET `base` + `path` from a configured API (redirects only within its host).

    Its JSON; None if the answer's code is one of `missing`; ResolveError otherwise.
    """
    base = base.rstrip("/")
    policy = HostPolicy.same_host(base)
    answer = await fetch(base + path, service=service, limits=limits, policy=policy, headers=headers)
    return answer.document(missing)


class Cache:
    """A small LRU cache whose entries may expire `max_age` seconds after they were set."""

    def __init__(self, max_size: int = 1024, max_age: float = 0):
        self.max_size = max_size
        self.max_age = max_age
        self._data: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, key: str, default: Any = None) -> Any:
        """The value, refreshing its LRU position (not its age); `default` if absent or expired."""
        item = self._data.get(key)
        if item is None:
            return default
        created, value = item
        if self.max_age and time.monotonic() - created > self.max_age:
            del self._data[key]
            return default
        self._data.move_to_end(key)
        return value

    def set(self, key: str, value: Any) -> None:
        self._data[key] = (time.monotonic(), value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_size:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
