"""A real launch on "Kubernetes": binderd's Launcher → JupyterHub → binder KubeSpawner → a pod.

The hub runs the spawner as a zero-to-jupyterhub hub would (the hub.extraConfig
snippets binderd renders); the pod is run by the Kubernetes API stand-in as a
Docker container, and the user's server is reached through the hub's proxy.
"""

import asyncio
import json
from urllib.parse import unquote, urlparse

from tornado.httpclient import AsyncHTTPClient

from binderd.launch import Launcher
from binderd.launch.mixin import CA_BUNDLE_PATH, SERVER_PICKER_CMD
from tests.fixtures.kube_hub import HOST_CA_BUNDLE
from tests.fixtures.servers import BASE_IMAGE
from tests.launch.test_launcher import EXTRA, Recorder

REPO_URL = "https://example.org/org/kube-launch.git"


async def in_pod(namespace: str, pod: str, *cmd: str) -> str:
    """Run a command in the pod's container (found by the labels the kubelet puts on it)."""
    proc = await asyncio.create_subprocess_exec(
        "docker", "ps", "-q", "--filter", f"label=io.kubernetes.pod.namespace={namespace}",
        "--filter", f"label=io.kubernetes.pod.name={pod}", stdout=asyncio.subprocess.PIPE)
    [container] = (await proc.communicate())[0].decode().split()
    proc = await asyncio.create_subprocess_exec("docker", "exec", container, *cmd, stdout=asyncio.subprocess.PIPE)
    out = (await proc.communicate())[0].decode()
    assert proc.returncode == 0, cmd
    return out


async def get(url: str):
    return await AsyncHTTPClient().fetch(url, raise_error=False, follow_redirects=False, request_timeout=30)


async def test_launch_reaches_ready_and_the_server_wants_the_token(kube_hub, kube_cluster):
    hub = kube_hub.hub
    launcher = Launcher(hub_url=hub.url, hub_url_local=hub.url, hub_api_token=hub.api_token,
                        retry_delay=0.2, launch_timeout=240)
    emit = Recorder()
    fields = await launcher.launch(BASE_IMAGE, REPO_URL, EXTRA, emit)
    messages = [e["message"] for e in emit.events]
    assert messages[-1].startswith("Server ready at /user/org-kube-launch-")
    username = unquote(urlparse(fields["url"]).path.split("/")[2])

    [pod] = kube_cluster.pods(kube_hub.namespace, "app=jupyterhub,component=singleuser-server")
    [container] = pod["spec"]["containers"]
    assert pod["metadata"]["labels"]["hub.jupyter.org/username"].startswith("org-kube-launch-")
    assert container["image"] == BASE_IMAGE
    assert container["args"][:3] == SERVER_PICKER_CMD
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["BINDER_REPO_URL"] == REPO_URL
    for key, value in EXTRA.items():
        assert env[key.upper()] == value

    assert env["SSL_CERT_FILE"] == CA_BUNDLE_PATH
    with open(HOST_CA_BUNDLE) as f:
        assert await in_pod(kube_hub.namespace, pod["metadata"]["name"], "cat", CA_BUNDLE_PATH) == f.read()

    with_token = await get(fields["url"] + "api/status?token=" + fields["token"])
    assert with_token.code == 200, with_token.body[:300]
    assert "started" in json.loads(with_token.body)
    without = await get(fields["url"] + "api/status")
    assert without.code in (302, 403)
    wrong = await get(fields["url"] + "api/status?token=not-" + fields["token"])
    assert wrong.code in (302, 403)

    await launcher.delete_user(username)
    assert hub.api("GET", f"users/{username}")[0] == 404
    assert kube_cluster.pods(kube_hub.namespace, "component=singleuser-server") == []


async def test_a_start_without_token_is_refused_and_creates_no_pod(kube_hub, kube_cluster):
    hub = kube_hub.hub
    launcher = Launcher(hub_url=hub.url, hub_url_local=hub.url, hub_api_token=hub.api_token, retry_delay=0.2)
    assert (await launcher.api_request("users/no-token-user", "POST", body={})).code == 201
    response = await launcher.api_request("users/no-token-user/servers/", "POST",
                                          body={"image": BASE_IMAGE, "repo_url": REPO_URL})
    assert response.code == 400 and json.loads(response.body)["message"] == "token required"
    assert kube_cluster.pods(kube_hub.namespace, "component=singleuser-server") == []
    await launcher.delete_user("no-token-user")
