"""A build pushes a real image with the registry's credentials, given only through a 0600 config.json.

repo2docker runs behind a wrapper that records, while the build runs, its argv
and the private DOCKER_CONFIG binderd made; afterwards that directory must be
gone, and DockerRegistry must find the pushed image. Against both real
registries: htpasswd (basic) and token auth (the Docker engine does the token
dance with the suite's issuer).
"""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from binderd.builder import LocalRepo2dockerBuild
from binderd.errors import BuildError
from binderd.model import ResolvedRepo
from binderd.naming import image_for
from binderd.registry import DockerRegistry

WRAPPER = """
import json, os, stat, sys
directory = os.environ["DOCKER_CONFIG"]
path = os.path.join(directory, "config.json")
with open(path) as f:
    config = json.load(f)
with open({out!r}, "w") as f:
    json.dump({{"argv": sys.argv, "directory": directory, "config": config,
               "mode": stat.S_IMODE(os.stat(path).st_mode), "dir_mode": stat.S_IMODE(os.stat(directory).st_mode)}}, f)
os.execv({real!r}, [{real!r}] + sys.argv[1:])
"""


def recording_builder(tmp_path) -> tuple[LocalRepo2dockerBuild, str]:
    out = str(tmp_path / "observed.json")
    script = tmp_path / "wrapper.py"
    real = os.path.join(os.path.dirname(sys.executable), "jupyter-repo2docker")
    script.write_text(WRAPPER.format(out=out, real=real))
    return LocalRepo2dockerBuild(repo2docker_command=[sys.executable, str(script)], build_timeout=600), out


def resolved(git_server, name: str) -> ResolvedRepo:
    repo = git_server.create(name)
    sha = repo.commit({"binder.txt": name + "\n"}, "content")
    return ResolvedRepo(
        provider_prefix="git", provider_name="Git", spec=f"{repo.http_url}/main", resolved_spec=f"{repo.http_url}/{sha}",
        repo_url=repo.http_url, unresolved_ref="main", resolved_ref=sha, ref_url=repo.http_url, build_slug=repo.http_url,
    )


async def build_and_push(tmp_path, git_server, registry: DockerRegistry, prefix: str, name: str):
    builder, out = recording_builder(tmp_path)
    repo = resolved(git_server, name)
    image = image_for(repo, prefix)
    assert not await registry.image_exists(image)
    await registry.prepare_push(image)
    events = [e async for e in builder.build(repo, image, registry.push_auth(), push=True)]
    with open(out) as f:
        observed = json.load(f)
    return image, events, observed


def assert_private_and_gone(observed: dict, events: list[dict], registry: DockerRegistry) -> None:
    assert observed["mode"] == stat.S_IRUSR | stat.S_IWUSR  # 0600
    assert observed["dir_mode"] == stat.S_IRWXU  # 0700
    assert not os.path.exists(observed["directory"])  # removed after the build
    assert registry.password not in " ".join(observed["argv"])
    assert registry.password not in json.dumps(events)
    key = registry.push_auth()["registry"]
    assert list(observed["config"]["auths"]) == [key]


async def test_build_pushes_to_htpasswd_registry(tmp_path, git_server, registry, docker_engine):
    r = DockerRegistry(url=registry.url, username=registry.username, password=registry.password,
                       docker_config_path="/nonexistent")
    image, events, observed = await build_and_push(tmp_path, git_server, r, f"{registry.host}/binder/push-", "push-basic")
    assert_private_and_gone(observed, events, r)
    assert "--push" in observed["argv"]
    assert any("Successfully pushed" in str(e.get("message", "")) or e.get("phase") == "pushing" for e in events)
    found = DockerRegistry(url=registry.url, username=registry.username, password=registry.password,
                           docker_config_path="/nonexistent")
    assert await found.image_exists(image)


async def test_build_pushes_to_token_registry(tmp_path, git_server, token_registry, docker_engine):
    r = DockerRegistry(url=token_registry.url, username="binder", password=token_registry.users["binder"],
                       docker_config_path="/nonexistent")
    image, events, observed = await build_and_push(
        tmp_path, git_server, r, f"{token_registry.host}/binder/push-", "push-token")
    assert_private_and_gone(observed, events, r)
    assert await r.image_exists(image)
    reader = DockerRegistry(url=token_registry.url, username="reader", password=token_registry.users["reader"],
                            docker_config_path="/nonexistent")
    assert await reader.image_exists(image)


async def test_build_with_pull_only_credentials_fails_to_push(tmp_path, git_server, token_registry, docker_engine):
    reader = DockerRegistry(url=token_registry.url, username="reader", password=token_registry.users["reader"],
                            docker_config_path="/nonexistent")
    builder, out = recording_builder(tmp_path)
    repo = resolved(git_server, "push-denied")
    image = image_for(repo, f"{token_registry.host}/binder/push-")
    events = []
    with pytest.raises(BuildError):
        async for event in builder.build(repo, image, reader.push_auth(), push=True):
            events.append(event)
    with open(out) as f:
        assert_private_and_gone(json.load(f), events, reader)
    assert not await reader.image_exists(image)
