"""A local build survives binderd being killed: the next binderd re-attaches to its container.

Real binderd processes, the real hub, git daemon and Docker engine. The build
prints a random nonce and stores it in the image; the re-attached stream must
show that same nonce (the log from the start of the one build), and the image
that gets launched holds it (no second build ran).
"""

import asyncio
import json
import re
import secrets
import subprocess
from urllib.parse import quote

from tests.fixtures.servers import BASE_IMAGE, binderd_config, start_binderd
from tests.fixtures.sse import read_stream

DOCKERFILE = """FROM {base}
ENV CACHE_BUSTER={run}
RUN echo "NONCE=$(cat /proc/sys/kernel/random/uuid)" | tee /tmp/nonce && sleep 25
"""


def _docker(*args: str) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout


def container_log(name: str) -> str:
    """Both streams: repo2docker writes its log to stderr."""
    return subprocess.run(["docker", "logs", name], capture_output=True, text=True).stderr


def build_containers(repo_url: str) -> list[str]:
    names = _docker("ps", "-a", "--filter", "label=binderd.builder", "--format", "{{.Names}}").split()
    found = []
    for name in names:
        try:
            args = json.loads(_docker("container", "inspect", "--format", "{{json .Args}}", name))
        except subprocess.CalledProcessError:
            continue  # finished and removed meanwhile
        if repo_url in args:
            found.append(name)
    return found


async def test_sigkill_mid_build_then_the_same_request_reattaches(hub, git_server, tmp_path):
    repo = git_server.create("restart-reattach", {"Dockerfile": DOCKERFILE.format(base=BASE_IMAGE, run=secrets.token_hex(8))})
    config = binderd_config(hub, git_server, None, "binderd-restart/")
    url = f"build/git/{quote(repo.git_url, safe='')}/main"

    first = start_binderd(str(tmp_path / "first"), config)
    try:
        stream = asyncio.create_task(read_stream(first.url + url))
        nonce = None
        for _ in range(600):
            containers = await asyncio.to_thread(build_containers, repo.git_url)
            if containers:
                [name] = containers
                logs = await asyncio.to_thread(container_log, name)
                match = re.search(r"NONCE=([0-9a-f-]{36})", logs)
                if match:
                    nonce = match.group(1)
                    break
            await asyncio.sleep(0.2)
        assert nonce, "the build did not get to its RUN step"
        first.process.popen.kill()  # SIGKILL: binderd gets no chance to clean up
        first.process.popen.wait()
        await asyncio.gather(stream, return_exceptions=True)  # its connection just closed
        assert await asyncio.to_thread(build_containers, repo.git_url) == [name]  # the build goes on
    except BaseException:
        for leftover in build_containers(repo.git_url):  # the engine would keep it
            _docker("rm", "-f", leftover)
        raise
    finally:
        first.process.stop()  # already killed, unless the test failed before that

    second = start_binderd(str(tmp_path / "second"), config)
    try:
        again = await read_stream(second.url + url)
    finally:
        second.process.stop()
        hub.delete_all_users()
    assert again.phases[-1] == "ready", again.events[-3:]
    messages = "".join(e.get("message", "") for e in again.events)
    assert f"NONCE={nonce}" in messages  # the one build's log, from before the restart
    assert messages.count("NONCE=") == 2  # the command echoed by the builder, then its output
    assert "Re-attached to build container" in second.log_text()
    image = again.events[-1]["image"]
    assert _docker("run", "--rm", "--entrypoint", "cat", image, "/tmp/nonce").strip() == f"NONCE={nonce}"
    assert await asyncio.to_thread(build_containers, repo.git_url) == []  # removed once done
