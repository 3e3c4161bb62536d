"""The Launcher against a real JupyterHub (with BinderSpawner on the local Docker engine)."""

import json
import subprocess
import urllib.request

import pytest

from binderd.errors import LaunchError
from binderd.launch import Launcher, unique_name_from_repo
from binderd.launch.launcher import HubUnavailable
from tests.fixtures.faults import FaultProxy
from tests.fixtures.procs import free_port
from tests.fixtures.servers import BASE_IMAGE

EXTRA = {
    "binder_ref_url": "https://example.org/r/tree/abc",
    "binder_launch_host": "http://127.0.0.1:8585/",
    "binder_request": "v2/git/r/HEAD",
    "binder_persistent_request": "v2/git/r/abc",
    "binder_client_ip": "127.0.0.9",
}


def launcher_for(hub, url=None, **kwargs):
    return Launcher(hub_url=hub.url, hub_url_local=url or hub.url, hub_api_token=hub.api_token, **kwargs)


class Recorder:
    def __init__(self):
        self.events = []

    async def __call__(self, event):
        self.events.append(event)


def container_env(hub, repo_url):
    for name in hub.containers():
        env = json.loads(subprocess.run(["docker", "inspect", name, "--format", "{{json .Config.Env}}"],
                                        capture_output=True, text=True).stdout or "[]")
        env = dict(item.split("=", 1) for item in env)
        if env.get("BINDER_REPO_URL") == repo_url:
            return env
    return None


async def test_launch_starts_a_server_with_token_and_binder_env(hub, docker_engine):
    emit = Recorder()
    fields = await launcher_for(hub, retry_delay=0.1).launch(BASE_IMAGE, "https://example.org/org/launch-ok.git", EXTRA, emit)
    assert fields["url"].startswith(hub.url + "user/org-launch-ok-") and fields["url"].endswith("/")
    assert fields["image"] == BASE_IMAGE and len(fields["token"]) == 22
    messages = [e["message"] for e in emit.events]
    assert messages[0] == "Server requested\n" and messages[-1].startswith("Server ready at /user/")
    assert {e["phase"] for e in emit.events} == {"launching"}
    with urllib.request.urlopen(fields["url"] + "api/status?token=" + fields["token"], timeout=10) as r:
        assert r.status == 200
    env = container_env(hub, "https://example.org/org/launch-ok.git")
    assert env is not None
    for key, value in EXTRA.items():
        assert env[key.upper()] == value


async def test_5xx_answers_are_retried(hub, docker_engine):
    proxy = FaultProxy(hub.url)
    try:
        create = proxy.fail("POST", r"/hub/api/users/[^/]+$", 2)
        emit = Recorder()
        fields = await launcher_for(hub, proxy.url + "/", retry_delay=0.05).launch(
            BASE_IMAGE, "https://example.org/retry.git", EXTRA, emit)
        assert len(create.seen) == 3  # two injected 503s, then through
        assert fields["url"].endswith("/")
    finally:
        proxy.stop()


async def test_hub_down_is_reported_after_bounded_retries():
    launcher = Launcher(hub_url="http://127.0.0.1:1/", hub_url_local=f"http://127.0.0.1:{free_port()}/",
                        hub_api_token="x", retries=2, retry_delay=0.01)
    with pytest.raises(HubUnavailable, match="is not answering"):
        await launcher.launch(BASE_IMAGE, "https://example.org/down.git", EXTRA, Recorder())


async def test_launch_timeout_is_honoured_and_cleans_up(hub, docker_engine):
    users_before = set(hub.users())
    launcher = launcher_for(hub, retry_delay=0.05, launch_timeout=0.3)
    with pytest.raises(LaunchError, match="took too long to launch"):
        await launcher.launch(BASE_IMAGE, "https://example.org/slow.git", EXTRA, Recorder())
    assert set(hub.users()) == users_before
    assert container_env(hub, "https://example.org/slow.git") is None


async def test_hub_refusing_the_image_fails_and_cleans_up(hub, docker_engine):
    users_before = set(hub.users())
    with pytest.raises(LaunchError):
        await launcher_for(hub, retry_delay=0.05).launch(
            "binderd/does-not-exist:nope", "https://example.org/noimage.git", EXTRA, Recorder())
    assert set(hub.users()) == users_before


@pytest.mark.parametrize(
    "url, prefix",
    [
        ("https://github.com/binder-examples/octave", "binder-examples-octave-"),
        ("https://gitlab.com/a/b.git", "a-b-"),
        ("git@github.com:jupyterhub/BinderHub.git", "jupyterhub-binderhub-"),
        ("https://h/" + "x" * 20 + "/" + "y" * 20, "x" * 15 + "-" + "y" * 15 + "-"),
    ],
)
def test_unique_names(url, prefix):
    name = unique_name_from_repo(url)
    assert name.startswith(prefix) and len(name) == len(prefix) + 8
    assert name != unique_name_from_repo(url)
