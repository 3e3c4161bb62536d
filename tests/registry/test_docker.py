"""DockerRegistry against a real registry with htpasswd (basic) auth: Debian's docker-registry on loopback."""

from __future__ import annotations

import pytest

from binderd.errors import RegistryError
from binderd.model import ImageRef
from binderd.registry import DockerRegistry
from tests.fixtures.images import DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, RawRegistry
from tests.fixtures.procs import free_port

KINDS = [
    ("docker", DOCKER_MANIFEST, False),
    ("oci", OCI_MANIFEST, False),
    ("oci-index", OCI_INDEX, True),
    ("docker-list", DOCKER_LIST, True),
]


def image(repository: str, tag: str) -> ImageRef:
    return ImageRef(name=f"x/{repository}:{tag}", repository=repository, tag=tag, build_name="build-x")


def client(registry, **traits) -> DockerRegistry:
    settings = dict(url=registry.url, username=registry.username, password=registry.password, docker_config_path="/nonexistent")
    return DockerRegistry(**{**settings, **traits})


@pytest.fixture(scope="module")
def pushed(registry):
    """Every kind of image under binder/kinds:<kind>."""
    raw = RawRegistry(registry.url, registry.username, registry.password)
    for tag, media_type, is_index in KINDS:
        (raw.push_index if is_index else raw.push_image)("binder/kinds", tag, media_type)
    return raw


@pytest.mark.parametrize("tag, media_type", [(t, m) for t, m, _ in KINDS])
async def test_every_manifest_type_is_found_in_one_round_trip(registry, pushed, tag, media_type):
    r = client(registry)
    assert await r.image_exists(image("binder/kinds", tag))
    assert r.request_count == 1
    assert (await r.get_manifest("binder/kinds", tag))["mediaType"] == media_type


def test_one_accept_type_is_not_enough(pushed):
    """Why binderd asks for all four types: asked for one, the registry misses the others (upstream's bug)."""
    statuses = {tag: pushed.manifest_status("binder/kinds", tag, OCI_MANIFEST) for tag, _, _ in KINDS}
    assert statuses["oci"] == 200
    assert statuses["docker"] != 200 and statuses["oci-index"] != 200 and statuses["docker-list"] != 200


async def test_not_found(registry, pushed):
    r = client(registry)
    assert not await r.image_exists(image("binder/kinds", "no-such-tag"))
    assert not await r.image_exists(image("binder/no-such-repo", "tag"))
    assert r.request_count == 2


async def test_wrong_password_is_an_error_not_a_rebuild(registry, pushed):
    r = client(registry, password="wrong")
    with pytest.raises(RegistryError) as e:
        await r.image_exists(image("binder/kinds", "docker"))
    assert f"registry at {registry.host} refused" in e.value.message
    assert "DockerRegistry.username/password (registry.username/password in secret.yaml)" in e.value.message


async def test_no_credentials_says_where_they_were_looked_for(registry, pushed):
    r = client(registry, username="", password="")
    with pytest.raises(RegistryError, match="No credentials are configured.*/nonexistent"):
        await r.image_exists(image("binder/kinds", "docker"))


async def test_registry_down():
    r = DockerRegistry(url=f"http://127.0.0.1:{free_port()}", username="u", password="p", docker_config_path="/x")
    with pytest.raises(RegistryError, match=r"did not answer \(.*Connection refused.*DockerRegistry.url"):
        await r.image_exists(image("binder/x", "y"))
    assert not await r.healthy()


async def test_healthy_and_login(registry):
    assert await client(registry).healthy()
    await client(registry).login()
    with pytest.raises(RegistryError, match="refused"):
        await client(registry, password="wrong").login()


async def test_push_check_starts_and_cancels_an_upload(registry):
    r = client(registry)
    assert await r.check_push("binder/push-check") == "may push to binder/push-check"
    assert r.request_count == 2  # POST the upload, DELETE it
    with pytest.raises(RegistryError, match="refused to let binderd push"):
        await client(registry, password="wrong").check_push("binder/push-check")


async def test_empty_repository_is_a_configuration_error(registry):
    with pytest.raises(RegistryError, match="image_prefix must name one"):
        await client(registry).image_exists(image("", "tag"))
