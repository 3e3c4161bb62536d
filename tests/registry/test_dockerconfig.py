"""config.json defaults (upstream's test vectors) and the key docker-py finds push credentials under."""

from __future__ import annotations

import base64
import json
import logging

import docker.auth
import pytest

from binderd.registry import DockerRegistry
from binderd.registry.dockerconfig import DOCKER_HUB_AUTH_KEY, push_auth_key, write_config


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def registry_with(tmp_path, config: dict | None, **traits) -> DockerRegistry:
    path = tmp_path / "config.json"
    if config is not None:
        path.write_text(json.dumps(config))
    return DockerRegistry(docker_config_path=str(path), **traits)


def test_no_config_means_docker_hub(tmp_path):
    r = registry_with(tmp_path, None)
    assert r.url == "https://registry-1.docker.io"
    assert r.auth_config_url == "https://index.docker.io/v1/"
    assert r.token_url == "https://auth.docker.io/token?service=registry.docker.io"
    assert (r.username, r.password) == ("", "")
    assert r.not_found_401 is True


def test_gcr_config(tmp_path):
    r = registry_with(tmp_path, {"auths": {"https://gcr.io": {"auth": b64('_json_key:{"type": "x:y"}')}}})
    assert (r.url, r.auth_config_url) == ("https://gcr.io", "https://gcr.io")
    assert r.token_url == "https://gcr.io/v2/token?service=gcr.io"
    assert (r.username, r.password) == ("_json_key", '{"type": "x:y"}')  # split at the first ':'
    assert r.not_found_401 is False


def test_docker_login_to_docker_hub(tmp_path):
    r = registry_with(tmp_path, {"auths": {DOCKER_HUB_AUTH_KEY: {"auth": b64("me:pw")}}})
    assert (r.url, r.auth_config_url, r.username, r.password) == (
        "https://registry-1.docker.io", DOCKER_HUB_AUTH_KEY, "me", "pw")


@pytest.mark.parametrize(
    "key, url, auth_config_url",
    [
        ("myregistry.io", "https://myregistry.io", "myregistry.io"),  # hostname keys get https://
        ("https://myregistry.io", "https://myregistry.io", "https://myregistry.io"),
        ("127.0.0.1:5000", "https://127.0.0.1:5000", "127.0.0.1:5000"),  # host:port (beyond upstream)
    ],
)
def test_first_key_is_the_registry(tmp_path, key, url, auth_config_url):
    r = registry_with(tmp_path, {"auths": {key: {"auth": b64("u:p")}, "other.io": {"auth": b64("x:y")}}})
    assert (r.url, r.auth_config_url, r.username, r.password) == (url, auth_config_url, "u", "p")


def test_explicit_url_finds_its_hostname_key(tmp_path):
    r = registry_with(tmp_path, {"auths": {"a.io": {"auth": b64("a:1")}, "b.io": {"auth": b64("b:2")}}},
                      url="https://b.io")
    assert (r.auth_config_url, r.username, r.password) == ("b.io", "b", "2")


def test_credential_helpers_are_reported_not_run(tmp_path, caplog):
    r = registry_with(tmp_path, {"auths": {"https://ghcr.io": {}}, "credsStore": "desktop"})
    with caplog.at_level(logging.WARNING):
        assert r.username == ""
    assert "credential helper 'desktop'" in caplog.text


@pytest.mark.parametrize(
    "url, auth_config_url, image",
    [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000", "127.0.0.1:5000/binder/x-abc:ref"),
        ("https://gcr.io", "https://gcr.io", "gcr.io/project/binder-x:ref"),
        ("https://registry-1.docker.io", DOCKER_HUB_AUTH_KEY, "user/binder-x:ref"),
        ("https://registry.hub.docker.com", "https://index.docker.io/v1", "docker.io/org/binder-x:ref"),
        ("https://binderacr.azurecr.io", "https://binderacr.azurecr.io", "binderacr.azurecr.io/p/binder-x:ref"),
        ("https://europe-west1-docker.pkg.dev", "https://europe-west1-docker.pkg.dev",
         "europe-west1-docker.pkg.dev/p/r/binder-x:ref"),
    ],
)
def test_docker_py_finds_the_push_credentials(tmp_path, url, auth_config_url, image):
    """The key binderd writes is the one docker-py (repo2docker's push) looks up for the image."""
    r = DockerRegistry(url=url, auth_config_url=auth_config_url, username="u", password="p",
                       docker_config_path=str(tmp_path / "none.json"))
    auth = r.push_auth()
    assert auth["registry"] == push_auth_key(url, auth_config_url)
    write_config(str(tmp_path), auth["registry"], auth["username"], auth["password"])
    config = docker.auth.load_config(str(tmp_path / "config.json"))
    registry_host, _ = docker.auth.resolve_repository_name(image)
    found = config.resolve_authconfig(registry_host)
    assert found and (found["username"], found["password"]) == ("u", "p")
