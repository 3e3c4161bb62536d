"""`binderd local` keeps a warm server for recently launched images; a launch claims it, no spawn."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

from binderd.cli.local import LocalApp
from tests.cli.test_local import free_block
from tests.fixtures.procs import free_port
from tests.fixtures.sse import read_stream


def hub_users(hub_port: int, state: str) -> list[str]:
    with open(os.path.join(state, "hub-api-token")) as f:
        token = f.read().strip()
    request = urllib.request.Request(f"http://127.0.0.1:{hub_port}/hub/api/users",
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return [user["name"] for user in json.loads(r.read())]


def user_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def pool_config(*args: str) -> tuple[int, str, bool]:
    app = LocalApp()
    app.initialize(list(args))
    return app.pool.top_images, app.pool.top_rank, app.pool.enabled


def test_three_most_recent_images_by_default_and_zero_turns_it_off(tmp_path):
    state = f"--LocalApp.state_dir={tmp_path}"
    assert pool_config(state) == (3, "recent", True)
    assert pool_config(state, "--WarmPool.top_images=0") == (0, "recent", False)
    assert pool_config(state, "--WarmPool.top_images=1", "--WarmPool.top_rank=frequent") == (1, "frequent", True)


async def test_second_launch_claims_the_warm_server(tmp_path, docker_engine):
    port, hub_port, git_port = free_port(), free_block(), free_port()
    state = str(tmp_path / "state")
    log = open(tmp_path / "local.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "binderd", "local", f"--port={port}", f"--LocalApp.hub_port={hub_port}",
         f"--LocalApp.git_port={git_port}", f"--LocalApp.state_dir={state}", "--log-level=INFO"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while "open for business" not in (text := open(tmp_path / "local.log").read()):
            assert proc.poll() is None, text
            assert time.monotonic() < deadline, text
            time.sleep(0.2)
        build = re.search(r"launch the example:\s+(\S+)", text).group(1).replace("/v2/", "/build/", 1)

        first = await read_stream(build, timeout=300)  # built, then spawned: nothing was warm
        assert first.phases[-1] == "ready", first.events[-3:]
        assert not any("pre-started" in e.get("message", "") for e in first.events)
        deadline = time.monotonic() + 120
        while not (started := re.search(r"Pre-started a server of \S+ \(user (\S+)\)", open(tmp_path / "local.log").read())):
            assert time.monotonic() < deadline, open(tmp_path / "local.log").read()[-3000:]
            time.sleep(0.2)
        warm = started.group(1)
        assert set(hub_users(hub_port, state)) == {warm, user_of(first.events[-1]["url"])}

        second = await read_stream(build, timeout=120)
        assert second.phases[-1] == "ready", second.events[-3:]
        assert "Claimed a pre-started server\n" in [e.get("message") for e in second.events]
        assert user_of(second.events[-1]["url"]) == warm
        ready = second.events[-1]
        with urllib.request.urlopen(ready["url"] + "api/status?token=" + ready["token"], timeout=10) as r:
            assert r.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(120)
    assert proc.returncode == 0, open(tmp_path / "local.log").read()[-3000:]
