"""Bad input and faults: each ends in one clear `failed` event, nothing leaks, nothing hangs."""

import json
import secrets
import urllib.error
import urllib.request
import subprocess
from urllib.parse import quote

import pytest

from binderd.naming import image_name
from tests.fixtures.procs import free_port
from tests.fixtures.servers import binderd_config, start_binderd
from tests.fixtures.sse import read_stream


def escaped(url: str) -> str:
    return quote(url, safe="")


async def fails(url: str, message: str, accept="text/event-stream"):
    stream = await read_stream(url, accept=accept, timeout=300)
    assert stream.status == 200
    assert stream.headers["Content-Type"] == "text/event-stream"
    assert stream.phases[-1] == "failed", stream.events[-3:]
    assert message in stream.events[-1]["message"], stream.events[-1]
    assert stream.events[-1]["message"].endswith("\n")
    assert "Traceback" not in stream.raw
    assert "launching" not in stream.phases and "ready" not in stream.phases
    return stream


@pytest.fixture
def no_leaks(hub):
    users, containers = set(hub.users()), set(hub.containers())
    yield
    assert set(hub.users()) == users, "a temporary user was left behind"
    assert set(hub.containers()) == containers, "a container was left behind"


@pytest.mark.parametrize(
    "path, message",
    [
        ("build/nope/x/y", "No provider found for prefix nope"),
        ("build/git/not-a-spec", "Spec is not of the form"),
        (f"build/git/{escaped('ftp://127.0.0.1/r.git')}/main", "protocol ftp not in"),
        (f"build/git/{escaped('https://127.0.0.1/r.git')}/--upload-pack=touch%20x", "may not start with '-'"),
        (f"build/git/{escaped('http://169.254.169.254/latest/meta-data')}/main", "cloud metadata"),
        (f"build/git/{escaped('http://[fd00:ec2::254]/x')}/main", "cloud metadata"),
    ],
)
async def test_bad_links(binderd_local, no_leaks, path, message):
    await fails(binderd_local.url + path, message)


async def test_unresolvable_ref(binderd_local, git_server, no_leaks):
    repo = git_server.create("fail-noref")
    stream = await fails(f"{binderd_local.url}build/git/{escaped(repo.git_url)}/no-such-branch",
                         "Could not resolve ref for git:")
    assert len(stream.events) == 1


@pytest.mark.parametrize("accept", [None, "text/html", "application/json, */*"])
async def test_missing_accept_header(binderd_local, accept):
    stream = await fails(f"{binderd_local.url}build/git/x/y", "Missing Accept header: text/event-stream", accept)
    assert stream.events == [
        {"phase": "failed", "status_code": 400, "message": "Missing Accept header: text/event-stream\n"}
    ]


async def test_accept_list_is_parsed_properly(binderd_local):
    # upstream rejects this (it splits on ';'); binderd accepts it
    await fails(f"{binderd_local.url}build/nope/x/y", "No provider found", accept="text/event-stream, */*")


async def test_failing_dockerfile(binderd_local, git_server, docker_engine, no_leaks):
    repo = git_server.create("fail-dockerfile", {"Dockerfile": f"FROM {docker_engine}\nRUN exit 3\n"})
    stream = await fails(f"{binderd_local.url}build/git/{escaped(repo.git_url)}/main", "failed")
    assert stream.phases[0] == "waiting"
    assert "built" not in stream.phases
    assert repo.git_url in stream.events[-1]["message"]


async def test_registry_refusing_credentials(tmp_path, hub, git_server, registry, no_leaks):
    wrong = "wrong-" + secrets.token_hex(6)
    lines = binderd_config(hub, git_server, registry, f"{registry.host}/binder/refused-")
    lines = [line.replace(repr(registry.password), repr(wrong)) for line in lines]
    b = start_binderd(str(tmp_path), lines)
    try:
        repo = git_server.create("fail-registry-auth")
        stream = await fails(f"{b.url}build/git/{escaped(repo.git_url)}/main", "refused")
        assert registry.host in stream.events[-1]["message"]
        assert "waiting" not in stream.phases  # no build was attempted
        assert wrong not in b.log_text() and wrong not in stream.raw
        with pytest.raises(urllib.error.HTTPError) as health:
            urllib.request.urlopen(b.url + "health", timeout=30)
        assert health.value.code == 503
        report = json.loads(health.value.read())
        assert {"service": "Docker registry", "ok": False} in report["checks"] and report["ok"] is False
    finally:
        b.process.stop()


async def test_jupyterhub_down(tmp_path, hub, git_server, docker_engine):
    repo = git_server.create("fail-hub-down")
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo.workdir, capture_output=True, text=True).stdout.strip()
    prefix = f"binderd-hubdown-{secrets.token_hex(3)}/"
    image = image_name(prefix, repo.git_url, sha)
    subprocess.run(["docker", "tag", docker_engine, image], check=True)
    lines = binderd_config(hub, git_server, None, prefix)
    dead = f"http://127.0.0.1:{free_port()}/"
    lines = [line.replace(repr(hub.url), repr(dead)) for line in lines]
    lines += ["c.Launcher.retries = 2", "c.Launcher.retry_delay = 0.1"]
    b = start_binderd(str(tmp_path), lines)
    try:
        stream = await read_stream(f"{b.url}build/git/{escaped(repo.git_url)}/main", timeout=120)
        assert stream.phases[0] == "built" and stream.events[0]["message"].startswith("Found built image")
        assert stream.phases[-1] == "failed"
        assert "JupyterHub" in stream.events[-1]["message"] and "not answering" in stream.events[-1]["message"]
        assert "Traceback" not in stream.raw
        assert hub.api_token not in b.log_text()
    finally:
        b.process.stop()
        subprocess.run(["docker", "rmi", image], capture_output=True)
