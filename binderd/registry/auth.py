"""Bearer tokens for the Registry v2 API: challenges, token requests and a per-scope cache.

A registry that wants a token answers 401 with
`WWW-Authenticate: Bearer realm="<token URL>",service="<name>",scope="<scope>"`.
The client asks the realm for a token (HTTP basic auth with its credentials, if
any), then repeats the request with `Authorization: Bearer <token>`. The token is
valid for `expires_in` seconds (60 when the answer does not say), so it is cached
per (realm, service, scope): while it is valid a request costs one round trip.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

# upstream BinderHub sends this service when token_url names none (GitLab's registry service).
DEFAULT_TOKEN_SERVICE = "container_registry"
DEFAULT_EXPIRES_IN = 60.0

_PARAM = re.compile(r'([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass(frozen=True)
class Challenge:
    """A parsed WWW-Authenticate header."""

    scheme: str  # lower case: "bearer", "basic", or "" when there was no header
    realm: str = ""
    service: str = ""
    scope: str = ""
    error: str = ""  # e.g. "invalid_token", "insufficient_scope"

    @property
    def is_bearer(self) -> bool:
        return self.scheme == "bearer" and bool(self.realm)


def parse_challenge(header: str | None) -> Challenge:
    """Parse `WWW-Authenticate` (quoted values may contain commas, e.g. "pull,push")."""
    header = (header or "").strip()
    if not header:
        return Challenge("")
    scheme, _, rest = header.partition(" ")
    params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(rest)}
    return Challenge(
        scheme.lower(),
        realm=params.get("realm", ""),
        service=params.get("service", ""),
        scope=params.get("scope", ""),
        error=params.get("error", ""),
    )


def split_token_url(token_url: str) -> tuple[str, str | None]:
    """(realm, service) of a configured token_url; service None when it names none."""
    parts = urlsplit(token_url)
    realm = parts._replace(query="", fragment="").geturl()
    services = [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k == "service"]
    return realm, (services[0] if services else None)


def token_request_url(realm: str, service: str | None, scope: str) -> str:
    """The GET URL for a token: the realm plus service (unless it names one) and scope."""
    parts = urlsplit(realm)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if service is not None and not any(k == "service" for k, _ in query):
        query.append(("service", service))
    if scope:
        query.append(("scope", scope))
    return parts._replace(query=urlencode(query)).geturl()


def configured_token_request_url(token_url: str, scope: str) -> str:
    """The token GET URL for a configured `token_url`, as upstream builds it.

    The URL is kept as written; `scope` is added, and `service=container_registry`
    when token_url has no service parameter (upstream's default).
    """
    _, service = split_token_url(token_url)
    return token_request_url(token_url, None if service is not None else DEFAULT_TOKEN_SERVICE, scope)


def same_token_endpoint(token_url: str, challenge: Challenge) -> bool:
    """True if a configured token_url names the realm and service a challenge asks for."""
    realm, service = split_token_url(token_url)
    return realm.rstrip("/") == challenge.realm.rstrip("/") and (service or "") == challenge.service


def challenge_token_url(challenge: Challenge) -> str:
    """The token_url value equivalent to a challenge (for messages that say what to set)."""
    return token_request_url(challenge.realm, challenge.service or None, "")


class TokenResponseError(ValueError):
    """A token endpoint answered 200 without a usable token."""


def parse_token_response(body: bytes) -> tuple[str, float]:
    """(token, expires_in) of a token endpoint's JSON answer (`token` or `access_token`)."""
    try:
        data = json.loads(body)
    except ValueError:
        raise TokenResponseError("the answer is not JSON") from None
    if not isinstance(data, dict):
        raise TokenResponseError("the answer is not a JSON object")
    token = data.get("token") or data.get("access_token")
    if not isinstance(token, str) or not token:
        raise TokenResponseError("the answer has neither `token` nor `access_token`")
    try:
        expires_in = float(data.get("expires_in") or DEFAULT_EXPIRES_IN)
    except (TypeError, ValueError):
        expires_in = DEFAULT_EXPIRES_IN
    return token, expires_in


class TokenCache:
    """Tokens by key until shortly before they expire. `clock` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._tokens: dict[tuple, tuple[str, float]] = {}

    def get(self, key: tuple) -> str | None:
        hit = self._tokens.get(key)
        if hit is None:
            return None
        if hit[1] <= self.clock():
            del self._tokens[key]
            return None
        return hit[0]

    def put(self, key: tuple, token: str, expires_in: float) -> None:
        # renew a little early: by a tenth of the lifetime, at most 10 seconds
        margin = min(10.0, max(expires_in, 0) / 10)
        self._tokens[key] = (token, self.clock() + max(expires_in, 0) - margin)

    def drop(self, key: tuple) -> None:
        self._tokens.pop(key, None)

    def clear(self) -> None:
        self._tokens.clear()
