"""From a git URL to a running Jupyter server, on real parts.

dockerd, Debian's docker-registry with htpasswd, JupyterHub with
configurable-http-proxy and BinderSpawner, repo2docker, and git servers on
loopback. Each repository's Dockerfile builds FROM the locally made base image.
"""

import asyncio
import base64
import json
import re
import urllib.request
from urllib.parse import quote

from tests.fixtures.sse import read_stream


def build_url(binderd, repo_url: str, ref: str) -> str:
    return f"{binderd.url}build/git/{quote(repo_url, safe='')}/{ref}"


def http_status(url: str, headers: dict | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def assert_ready_event(event: dict, binderd, repo_url: str, sha: str, spec: str) -> None:
    assert list(event) == [
        "phase", "message", "image", "repo_url", "token", "binder_ref_url", "binder_launch_host",
        "binder_request", "binder_persistent_request", "binder_client_ip", "url",
    ]
    assert event["message"] == f"server running at {event['url']}\n"
    assert event["url"].endswith("/") and "/user/" in event["url"]
    assert len(event["token"]) == 22
    assert event["repo_url"] == repo_url == event["binder_ref_url"]
    assert event["image"].endswith(":" + sha)
    assert event["binder_launch_host"] == binderd.url
    assert event["binder_request"] == f"v2/git/{spec}"
    assert event["binder_persistent_request"] == f"v2/git/{quote(repo_url, safe='')}/{sha}"
    assert event["binder_client_ip"] == "127.0.0.1"


async def test_build_push_launch_then_cached_relaunch(binderd_registry, git_server, registry, hub):
    repo = git_server.create("e2e-registry")
    sha = repo.commit({"hello.txt": "hello from e2e\n"}, "content")
    spec = f"{quote(repo.git_url, safe='')}/main"

    first = await read_stream(build_url(binderd_registry, repo.git_url, "main"))
    assert first.status == 200 and first.headers["Content-Type"] == "text/event-stream"
    phases = first.phases
    assert phases[0] == "waiting", first.events[:3]
    assert phases[-1] == "ready", first.events[-3:]
    built = phases.index("built")
    assert {"fetching", "building"} <= set(phases[1:built])  # repo2docker's own lines, verbatim
    assert first.events[built]["message"] == "Built image, launching...\n"
    assert set(phases[built + 1 : -1]) == {"launching"}
    assert any("Server requested" in e["message"] for e in first.events if e.get("phase") == "launching")
    ready = first.events[-1]
    assert ready["image"] == first.events[built]["imageName"]
    assert ready["image"].startswith(f"{registry.host}/binder/e2e")
    assert_ready_event(ready, binderd_registry, repo.git_url, sha, spec)

    # the server runs this commit's image, and only the token opens it
    assert http_status(ready["url"] + "api/contents/hello.txt?token=" + ready["token"]) == 200
    assert http_status(ready["url"] + "api/contents/hello.txt") in (302, 403)

    # the image is in the registry
    repository, tag = ready["image"].split("/", 1)[1].rsplit(":", 1)
    auth = base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()
    manifest_url = f"{registry.url}/v2/{repository}/manifests/{tag}"
    assert http_status(manifest_url, {"Authorization": f"Basic {auth}",
                                      "Accept": "application/vnd.docker.distribution.manifest.v2+json"}) == 200

    # asking again for the same commit does not build
    second = await read_stream(build_url(binderd_registry, repo.git_url, sha))
    assert second.phases[0] == "built", second.events[:2]
    assert second.events[0]["message"] == "Found built image, launching..."+"\n"
    assert "waiting" not in second.phases and "building" not in second.phases
    assert second.phases[-1] == "ready"
    assert second.events[-1]["image"] == ready["image"]
    assert binderd_registry.log_text().count("Building ") == 1

    # no secret in binderd's log
    log = binderd_registry.log_text()
    for secret in (registry.password, hub.api_token, ready["token"], second.events[-1]["token"]):
        assert secret not in log


async def test_concurrent_requests_share_one_build(binderd_local, git_server):
    repo = git_server.create("e2e-concurrent")
    sha = repo.commit({"data.txt": "shared\n"})
    before = binderd_local.log_text().count("Building ")
    streams = await asyncio.gather(*(read_stream(build_url(binderd_local, repo.git_url, "main")) for _ in range(5)))
    assert binderd_local.log_text().count("Building ") - before == 1
    images = {s.events[-1].get("image") for s in streams}
    assert len(images) == 1 and images.pop().endswith(":" + sha)
    logs = []
    for s in streams:
        assert s.phases[-1] == "ready", s.events[-3:]
        built = s.phases.index("built")
        logs.append([json.dumps(e) for e in s.events[:built] if e.get("phase") != "waiting"])
    # every watcher saw the whole build log, from its first line
    assert all(log == logs[0] for log in logs) and len(logs[0]) > 3
    assert re.search(r"content provider|Cloning", logs[0][0] + logs[0][1])
    tokens = {s.events[-1]["token"] for s in streams}
    assert len(tokens) == 5


async def leave_after_first_build_line(url: str) -> str:
    """A client that opens the stream and hangs up as soon as the build starts logging."""
    host, port = url.split("/")[2].split(":")
    path = "/" + url.split("/", 3)[3]
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    seen = b""
    while b'"phase": "fetching"' not in seen and b'"phase": "building"' not in seen:
        chunk = await asyncio.wait_for(reader.read(4096), 120)
        assert chunk, seen
        seen += chunk
    writer.close()
    return seen.decode()


async def test_a_watcher_leaving_does_not_stop_the_build(binderd_local, git_server):
    repo = git_server.create("e2e-leaver")
    sha = repo.commit({"x.txt": "leave\n"})
    url = build_url(binderd_local, repo.git_url, "main")
    before = binderd_local.log_text().count("Building ")
    seen = await leave_after_first_build_line(url)
    assert '"phase": "waiting"' in seen
    stayer = await read_stream(url)  # joins the running build (or finds its image)
    assert stayer.phases[-1] == "ready" and stayer.events[-1]["image"].endswith(":" + sha)
    assert binderd_local.log_text().count("Building ") - before == 1  # the first build was not stopped
