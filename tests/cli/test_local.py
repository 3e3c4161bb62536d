"""The quick start: `binderd local` opens for business and launches the bundled example."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

from tests.fixtures.procs import free_port
from tests.fixtures.sse import read_stream


def port_is_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_block() -> int:
    """A port p with p, p+1 and p+81 free (the proxy, its API and the hub)."""
    for _ in range(50):
        p = free_port()
        if p + 81 < 65536 and not any(port_is_open(q) for q in (p + 1, p + 81)):
            return p
    raise RuntimeError("no free block of ports")


def start_local(tmp_path, *args: str) -> tuple[subprocess.Popen, str, int, int, int]:
    """`binderd local` on free ports, state in tmp_path/state; (process, its output so far, its 3 ports)."""
    port, hub_port, git_port = free_port(), free_block(), free_port()
    log = open(tmp_path / "local.log", "w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "binderd", "local", f"--port={port}", f"--LocalApp.hub_port={hub_port}",
         f"--LocalApp.git_port={git_port}", f"--LocalApp.state_dir={tmp_path / 'state'}", *args],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while "open for business" not in (text := open(tmp_path / "local.log").read()):
        if proc.poll() is not None or time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGTERM)
            raise AssertionError(text)
        time.sleep(0.2)
    return proc, text, port, hub_port, git_port


async def test_local_default_serves_and_launches_the_example(tmp_path, docker_engine):
    proc, text, port, hub_port, git_port = start_local(tmp_path)
    try:
        link = re.search(r"launch the example:\s+(\S+)", text).group(1)
        assert link.startswith(f"http://127.0.0.1:{port}/v2/git/")
        stream = await read_stream(link.replace("/v2/", "/build/", 1), timeout=300)
        assert stream.phases[-1] == "ready", stream.events[-3:]
        assert stream.events[-1]["url"].startswith(f"http://127.0.0.1:{hub_port}/user/hello-")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
    assert proc.returncode == 0
    time.sleep(1)
    assert not any(port_is_open(p) for p in (port, hub_port, git_port)), "binderd local left a server running"
