"""Registry vendors' auth dialects (GHCR, Quay, ACR, Harbor, Docker Hub, GitLab) and Google Artifact Registry.

Each fake answers as the vendor does: its challenge names its own token service
(realm path, service) and its token answer uses `token` or `access_token`.
DockerRegistry needs no token_url for any of them.
"""

from __future__ import annotations

import pytest

from binderd.errors import RegistryError
from binderd.registry import DockerRegistry, GoogleArtifactRegistry
from binderd.registry.docker import MANIFEST_TYPES
from binderd.registry.messages import token_url_hint
from tests.fixtures.fake_registry import DIALECTS, METADATA_PATH, fake_gar, fake_registry
from tests.registry.test_docker import image

USERS = {"binder": "s3cret"}
IMAGES = {("org/binder-a", "v1")}


def client(fake, **traits) -> DockerRegistry:
    settings = dict(url=fake.url, username="binder", password="s3cret", docker_config_path="/nonexistent")
    return DockerRegistry(**{**settings, **traits})


@pytest.mark.parametrize("dialect", DIALECTS, ids=[d.name for d in DIALECTS])
async def test_challenge_flow_needs_no_token_url(dialect):
    async with fake_registry(dialect, USERS, IMAGES) as fake:
        r = client(fake, not_found_401=dialect.missing_is_401)
        assert await r.image_exists(image("org/binder-a", "v1"))
        assert r.request_count == 3
        token_request = next(path for method, path, _ in fake.log if path.startswith(dialect.realm_path))
        assert f"service={dialect.service}" in token_request
        assert "scope=repository%3Aorg%2Fbinder-a%3Apull" in token_request
        assert await r.image_exists(image("org/binder-a", "v1"))
        assert r.request_count == 4  # cached token: one round trip
        assert not await r.image_exists(image("org/binder-a", "v2"))
        manifest_requests = [h for m, p, h in fake.log if "/manifests/" in p]
        assert all(h.get("Accept") == MANIFEST_TYPES for h in manifest_requests)


@pytest.mark.parametrize("dialect", DIALECTS, ids=[d.name for d in DIALECTS])
async def test_wrong_password_is_an_error(dialect):
    async with fake_registry(dialect, USERS, IMAGES) as fake:
        with pytest.raises(RegistryError, match="refused the credentials"):
            await client(fake, password="wrong", not_found_401=dialect.missing_is_401).image_exists(
                image("org/binder-a", "v1"))


async def test_docker_hub_401_for_a_missing_repository_is_not_found():
    hub = next(d for d in DIALECTS if d.name == "dockerhub")
    async with fake_registry(hub, USERS, IMAGES) as fake:
        assert not await client(fake, not_found_401=True).image_exists(image("org/never-built", "v1"))
        with pytest.raises(RegistryError, match="may not read"):  # without the quirk it is an error, not a rebuild
            await client(fake, not_found_401=False).image_exists(image("org/never-built", "v1"))


async def test_acr_wrong_token_url_says_the_right_one():
    acr = next(d for d in DIALECTS if d.name == "acr")
    async with fake_registry(acr, USERS, IMAGES) as fake:
        r = client(fake, token_url=f"{fake.url}/v2/token?service=binderacr.azurecr.io")
        assert await r.image_exists(image("org/binder-a", "v1"))  # works through the challenge meanwhile
        assert f"Set it to '{fake.url}/oauth2/token?service=binderacr.azurecr.io'" in r.token_url_problem
        right = client(fake, token_url=f"{fake.url}/oauth2/token?service=binderacr.azurecr.io")
        assert await right.image_exists(image("org/binder-a", "v1"))
        assert right.request_count == 2 and not right.token_url_problem


def test_acr_hint_names_the_documented_token_url():
    hint = token_url_hint("binderacr.azurecr.io", "https://binderacr.azurecr.io/v2/token?service=", True)
    assert "'https://binderacr.azurecr.io/oauth2/token?service=binderacr.azurecr.io'" in hint
    assert token_url_hint("binderacr.azurecr.io", "https://binderacr.azurecr.io/oauth2/token?service=binderacr.azurecr.io", True) == ""


async def test_google_artifact_registry_with_the_metadata_server():
    async with fake_gar(IMAGES) as fake:
        r = GoogleArtifactRegistry(url=fake.url, token_url=fake.url + METADATA_PATH, docker_config_path="/nonexistent")
        assert await r.image_exists(image("org/binder-a", "v1"))
        assert r.request_count == 2  # the metadata server's token, then the manifest
        metadata_calls = [(p, h) for m, p, h in fake.log if p.startswith(METADATA_PATH)]
        assert metadata_calls[0][0] == METADATA_PATH  # no scope or service added
        assert metadata_calls[0][1]["Metadata-Flavor"] == "Google"
        assert r.push_auth() is None
        await r.prepare_push(image("org/binder-a", "v2"))
        auth = r.push_auth()
        assert auth["username"] == "oauth2accesstoken" and auth["password"].startswith("ya29.")
        assert auth["registry"] == r.host


async def test_google_artifact_registry_without_metadata_server_is_a_clear_error():
    async with fake_gar(IMAGES) as fake:
        r = GoogleArtifactRegistry(url=fake.url, token_url=fake.url + "/nowhere", docker_config_path="/nonexistent")
        with pytest.raises(RegistryError, match="gave no access token"):
            await r.prepare_push(image("org/binder-a", "v2"))
