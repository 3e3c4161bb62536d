"""Challenge parsing, token URLs and the token cache (with a clock the test turns)."""

from __future__ import annotations

import pytest

from binderd.registry.auth import (
    Challenge, TokenCache, TokenResponseError, challenge_token_url, configured_token_request_url,
    parse_challenge, parse_token_response, same_token_endpoint, token_request_url,
)


@pytest.mark.parametrize(
    "header, expected",
    [
        # distribution / Docker Hub
        ('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull"',
         Challenge("bearer", "https://auth.docker.io/token", "registry.docker.io", "repository:a/b:pull")),
        # several actions inside the quotes, and an error
        ('Bearer realm="http://h/token",service="s",scope="repository:x:pull,push",error="insufficient_scope"',
         Challenge("bearer", "http://h/token", "s", "repository:x:pull,push", "insufficient_scope")),
        # GHCR, Quay, ACR, Harbor spellings
        ('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
         Challenge("bearer", "https://ghcr.io/token", "ghcr.io", "repository:user/image:pull")),
        ('Bearer realm="https://quay.io/v2/auth",service="quay.io"', Challenge("bearer", "https://quay.io/v2/auth", "quay.io")),
        ('Bearer realm="https://x.azurecr.io/oauth2/token",service="x.azurecr.io"',
         Challenge("bearer", "https://x.azurecr.io/oauth2/token", "x.azurecr.io")),
        ('bearer  realm="https://h/service/token", service="harbor-registry"',
         Challenge("bearer", "https://h/service/token", "harbor-registry")),
        ('Basic realm="Registry Realm"', Challenge("basic", "Registry Realm")),
        ("", Challenge("")),
        (None, Challenge("")),
    ],
)
def test_parse_challenge(header, expected):
    assert parse_challenge(header) == expected


def test_only_bearer_with_a_realm_is_a_token_challenge():
    assert parse_challenge('Bearer realm="http://h/t"').is_bearer
    assert not parse_challenge('Basic realm="http://h/t"').is_bearer
    assert not parse_challenge('Bearer service="s"').is_bearer


def test_token_request_urls():
    assert token_request_url("http://h/token", "svc", "repository:a/b:pull") == (
        "http://h/token?service=svc&scope=repository%3Aa%2Fb%3Apull")
    assert token_request_url("http://h/token", None, "") == "http://h/token"
    # a configured token_url keeps its service; upstream adds container_registry when it has none
    assert configured_token_request_url("https://x.azurecr.io/oauth2/token?service=x.azurecr.io", "s") == (
        "https://x.azurecr.io/oauth2/token?service=x.azurecr.io&scope=s")
    assert configured_token_request_url("https://gitlab.example.com/jwt/auth", "s") == (
        "https://gitlab.example.com/jwt/auth?service=container_registry&scope=s")
    assert configured_token_request_url("https://myregistry.io/v2/token?service=", "s") == (
        "https://myregistry.io/v2/token?service=&scope=s")


def test_token_url_versus_challenge():
    acr = Challenge("bearer", "https://x.azurecr.io/oauth2/token", "x.azurecr.io")
    assert same_token_endpoint("https://x.azurecr.io/oauth2/token?service=x.azurecr.io", acr)
    assert not same_token_endpoint("https://x.azurecr.io/v2/token?service=x.azurecr.io", acr)
    assert not same_token_endpoint("https://x.azurecr.io/oauth2/token?service=other", acr)
    assert challenge_token_url(acr) == "https://x.azurecr.io/oauth2/token?service=x.azurecr.io"


def test_token_responses():
    assert parse_token_response(b'{"token": "t", "expires_in": 300}') == ("t", 300.0)
    assert parse_token_response(b'{"access_token": "a"}') == ("a", 60.0)  # the spec's default lifetime
    for bad in (b"<html>", b"[]", b'{"expires_in": 5}', b'{"token": ""}'):
        with pytest.raises(TokenResponseError):
            parse_token_response(bad)


def test_cache_until_shortly_before_expiry():
    now = [1000.0]
    cache = TokenCache(clock=lambda: now[0])
    cache.put(("realm", "svc", "scope"), "t", 300)
    assert cache.get(("realm", "svc", "scope")) == "t"
    assert cache.get(("realm", "svc", "other")) is None
    now[0] += 289
    assert cache.get(("realm", "svc", "scope")) == "t"
    now[0] += 2  # within the last 10 seconds: renewed early
    assert cache.get(("realm", "svc", "scope")) is None
    cache.put(("k",), "short", 5)
    now[0] += 4.4  # a short lifetime keeps a tenth of it as margin
    assert cache.get(("k",)) == "short"
    now[0] += 0.2
    assert cache.get(("k",)) is None
