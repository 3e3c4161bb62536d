"""What binderd tells an operator when a registry says no: which registry, what it said, what to change."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tornado.httpclient import HTTPResponse

from binderd.errors import RegistryError
from binderd.registry.auth import Challenge, challenge_token_url, parse_challenge
from binderd.registry.hosts import kind_of

if TYPE_CHECKING:
    from binderd.registry.docker import DockerRegistry

CREDENTIALS = "DockerRegistry.username/password (registry.username/password in secret.yaml)"


class RepositoryMissing(RegistryError):
    """The registry has no such repository and does not create repositories on push."""


class RegistryUnreachable(RegistryError):
    """Nothing answered (connection refused, timeout, TLS failure); `reason` is the low-level error."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.reason = reason


def registry_error_detail(response: HTTPResponse) -> str:
    """The registry's own error text (`errors[0].code: message`) of a response, if any."""
    try:
        error = json.loads(response.body or b"{}")["errors"][0]
        return f"{error.get('code', '')}: {error.get('message', '')}".strip(": ")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""


def token_url_hint(host: str, token_url: str | None, configured: bool) -> str:
    """" For <kind> DockerRegistry.token_url should be ..." when a configured token_url differs from the documented one."""
    kind = kind_of(host)
    if configured and kind.token_url and token_url != kind.token_url:
        return f" For {kind.name} DockerRegistry.token_url should be {kind.token_url!r}."
    return ""


def token_url_problem(host: str, token_url: str | None, failure: str, realm: Challenge | None) -> str:
    """Why a configured token_url was abandoned, and the value to set instead."""
    right = challenge_token_url(realm) if realm else kind_of(host).token_url
    return (
        f"DockerRegistry.token_url {token_url!r} does not work for {host}: {failure}. "
        + (f"Set it to {right!r}, or leave it empty" if right else "Leave it empty")
        + " (binderd then uses the token service the registry names)."
    )


def refused(registry: DockerRegistry, response: HTTPResponse, action: str, repository: str, plain: bool) -> RegistryError:
    """The error for a 401/403: no credentials, wrong credentials, or credentials without access."""
    detail = registry_error_detail(response)
    challenge = parse_challenge(response.headers.get("WWW-Authenticate"))
    what = f"The registry at {registry.host} refused to let binderd {action} {repository} (HTTP {response.code}"
    what += f", {detail})." if detail else ")."
    username, configured = registry.credentials_owner()
    if not configured:
        fix = (f" No credentials are configured: set {CREDENTIALS}, or make sure "
               f"{registry.docker_config_path} has an entry for {registry.auth_config_url!r}.")
    elif response.code == 401 and challenge.error != "insufficient_scope":
        fix = f" Check {CREDENTIALS}." + token_url_hint(registry.host, registry.token_url, bool(registry.token_url))
    else:
        fix = (f" The credentials{f' of {username!r}' if username else ''} work but may not {action} this "
               "repository: check BinderHub.image_prefix names a project/namespace they have access to.")
    kind = kind_of(registry.host)
    if kind.registry_class and plain:
        fix += f" For {kind.name}, binderd has BinderHub.registry_class = {kind.registry_class!r}."
    return RegistryError(what + fix)
