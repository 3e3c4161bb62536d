"""DockerRegistry against a real registry with token auth (distribution + the suite's JWT issuer)."""

from __future__ import annotations

import logging

import pytest

from binderd.errors import RegistryError
from binderd.registry import DockerRegistry
from tests.fixtures.images import DOCKER_MANIFEST, OCI_INDEX, RawRegistry
from tests.fixtures.procs import free_port
from tests.fixtures.token_registry import SERVICE
from tests.registry.test_docker import image


def client(reg, user: str = "binder", **traits) -> DockerRegistry:
    settings = dict(url=reg.url, username=user, password=reg.users.get(user, ""), docker_config_path="/nonexistent")
    return DockerRegistry(**{**settings, **traits})


def token_requests(reg) -> int:
    return reg.stats()["requests"]


@pytest.fixture(scope="module")
def pushed(token_registry):
    raw = RawRegistry(token_registry.url, "binder", token_registry.users["binder"], token_registry.realm, SERVICE)
    raw.push_image("binder/tok", "docker", DOCKER_MANIFEST)
    raw.push_index("binder/tok", "index", OCI_INDEX)
    return raw


@pytest.fixture(autouse=True)
def normal_issuer(token_registry):
    token_registry.mode(expires_in=300, stale=0, refuse=False)


async def test_cold_then_cached_is_one_round_trip(token_registry, pushed):
    r = client(token_registry)
    before = token_requests(token_registry)
    assert await r.image_exists(image("binder/tok", "docker"))
    assert r.request_count == 3  # challenge, token, manifest
    assert await r.image_exists(image("binder/tok", "index"))
    assert await r.image_exists(image("binder/tok", "docker"))
    assert r.request_count == 5  # both cached: one round trip each
    assert token_requests(token_registry) == before + 1
    assert not await r.image_exists(image("binder/tok", "absent"))
    assert r.request_count == 6


async def test_new_scope_after_discovery_is_two_round_trips(token_registry, pushed):
    r = client(token_registry)
    await r.image_exists(image("binder/tok", "docker"))
    count = r.request_count
    assert not await r.image_exists(image("binder/other", "x"))  # realm known: token + manifest
    assert r.request_count == count + 2


async def test_configured_token_url_skips_the_challenge(token_registry, pushed):
    r = client(token_registry, token_url=token_registry.token_url)
    assert await r.image_exists(image("binder/tok", "docker"))
    assert r.request_count == 2 and not r.token_url_problem


async def test_wrong_password(token_registry, pushed):
    with pytest.raises(RegistryError) as e:
        await client(token_registry, password="wrong").image_exists(image("binder/tok", "docker"))
    assert "token service" in e.value.message and "refused the credentials" in e.value.message
    assert "DockerRegistry.username/password" in e.value.message


async def test_anonymous_is_refused_clearly(token_registry, pushed):
    r = DockerRegistry(url=token_registry.url, docker_config_path="/nonexistent")
    with pytest.raises(RegistryError, match="No credentials are configured"):
        await r.image_exists(image("binder/tok", "docker"))


async def test_token_expiry_and_refresh(token_registry, pushed):
    now = [0.0]
    r = client(token_registry)
    r.tokens.clock = lambda: now[0]
    token_registry.mode(expires_in=120)
    assert await r.image_exists(image("binder/tok", "docker"))
    before, count = token_requests(token_registry), r.request_count
    now[0] += 100  # still valid
    assert await r.image_exists(image("binder/tok", "docker"))
    assert (token_requests(token_registry), r.request_count) == (before, count + 1)
    now[0] += 20  # expired (renewed a little early)
    assert await r.image_exists(image("binder/tok", "docker"))
    assert (token_requests(token_registry), r.request_count) == (before + 1, count + 3)


async def test_a_token_the_registry_rejects_is_replaced(token_registry, pushed):
    """The cache thinks a token is valid, the registry says it expired: get a new one, once."""
    now = [0.0]
    r = client(token_registry)
    r.tokens.clock = lambda: now[0]
    assert await r.image_exists(image("binder/tok", "docker"))
    token_registry.mode(stale=1)  # the next token is already expired for the registry
    now[0] += 1000
    before, count = token_requests(token_registry), r.request_count
    assert await r.image_exists(image("binder/tok", "docker"))
    assert token_requests(token_registry) == before + 2  # the stale one, then a good one
    assert r.request_count == count + 4
    # a cached token revoked behind binderd's back is replaced the same way
    key = next(iter(r.tokens._tokens))
    r.tokens.put(key, "not-a-token", 300)
    assert await r.image_exists(image("binder/tok", "docker"))


async def test_pull_only_credentials_cannot_push(token_registry, pushed):
    reader = client(token_registry, user="reader")
    assert await reader.image_exists(image("binder/tok", "docker"))
    with pytest.raises(RegistryError) as e:
        await reader.check_push("binder/tok")
    assert "refused to let binderd push to binder/tok" in e.value.message
    assert "'reader' work but may not push" in e.value.message
    assert await client(token_registry).check_push("binder/tok") == "may push to binder/tok"


async def test_wrong_token_url_falls_back_and_says_the_right_one(token_registry, pushed, caplog):
    wrong = f"{token_registry.issuer_url}/v2/token?service={SERVICE}"  # a 404 on the issuer
    r = client(token_registry, token_url=wrong)
    with caplog.at_level(logging.WARNING):
        assert await r.image_exists(image("binder/tok", "docker"))
    assert "it answered HTTP 404" in r.token_url_problem
    assert f"Set it to {token_registry.token_url!r}" in r.token_url_problem
    assert "does not work" in caplog.text


async def test_token_service_down_falls_back_to_the_challenge(token_registry, pushed):
    r = client(token_registry, token_url=f"http://127.0.0.1:{free_port()}/token?service={SERVICE}")
    assert await r.image_exists(image("binder/tok", "docker"))
    assert "did not answer" in r.token_url_problem


async def test_registry_down_with_token_url():
    r = DockerRegistry(url=f"http://127.0.0.1:{free_port()}", token_url="", username="u", password="p",
                       docker_config_path="/x")
    with pytest.raises(RegistryError, match="did not answer"):
        await r.image_exists(image("binder/tok", "docker"))


async def test_configured_token_url_renews_where_it_came_from(token_registry, pushed):
    r = client(token_registry, token_url=token_registry.token_url)
    assert await r.image_exists(image("binder/tok", "docker"))
    key = next(iter(r.tokens._tokens))
    r.tokens.put(key, "expired-early", 300)  # cached, but the registry refuses it
    count = r.request_count
    assert await r.image_exists(image("binder/tok", "docker"))
    assert r.request_count == count + 3  # refused, new token from token_url, manifest
    assert r.tokens.get(key) not in (None, "expired-early") and not r.token_url_problem
    assert await r.image_exists(image("binder/tok", "docker"))
    assert r.request_count == count + 4  # and it is cached under token_url again
