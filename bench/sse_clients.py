"""Many event-stream clients on one build: errors and binderd's memory over time.

    python bench/sse_clients.py [--clients 500] [--duration 120] [--every 10]

Starts the real servers the tests use (git daemon, JupyterHub, binderd with
images in the local engine; no rate limit), and a repository whose build prints
a line every 0.2 s for far longer than the run. All clients open
`GET /build/git/<url>/main` at once and stay on the shared build's stream for
`--duration` seconds. Every `--every` seconds it prints binderd's RSS, its open
file descriptors, how many streams are open and how many events arrived; at the
end, errors: streams refused (not 200) or closed by binderd before the end.
The build container is removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402

from tests.fixtures.servers import GitServer, binderd_config, start_binderd, start_hub  # noqa: E402

DOCKERFILE = """FROM binderd/jupyter-base:latest
ENV RUN={run}
RUN for i in $(seq 1 100000); do echo "line $i"; sleep 0.2; done
"""


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Client:
    def __init__(self) -> None:
        self.status = 0
        self.events = 0
        self.open = False
        self.closed_early = False

    def on_chunk(self, chunk: bytes) -> None:
        self.open = True
        self.events += chunk.count(b"data: ")


async def one(client: Client, http: AsyncHTTPClient, url: str, duration: float) -> None:
    request = HTTPRequest(url, headers={"Accept": "text/event-stream"}, streaming_callback=client.on_chunk,
                          request_timeout=duration + 120, connect_timeout=60)
    response = await http.fetch(request, raise_error=False)
    client.status = response.code
    client.closed_early = True  # binderd ended the stream before the run did
    client.open = False


def remove_build_containers(repo_url: str) -> None:
    names = subprocess.run(["docker", "ps", "-a", "--filter", "label=binderd.builder", "--format", "{{.Names}}"],
                           capture_output=True, text=True).stdout.split()
    for name in names:
        args = subprocess.run(["docker", "container", "inspect", "--format", "{{json .Args}}", name],
                              capture_output=True, text=True).stdout
        if args and repo_url in json.loads(args):
            subprocess.run(["docker", "rm", "-f", name], capture_output=True)


async def main(clients: int, duration: float, every: float) -> None:
    root = tempfile.mkdtemp(prefix="binderd-bench-sse-")
    git = GitServer(os.path.join(root, "git"))
    hub = start_hub(os.path.join(root, "hub"))
    repo = git.create("sse", {"Dockerfile": DOCKERFILE.format(run=secrets.token_hex(6))})
    binderd = start_binderd(os.path.join(root, "binderd"),
                            binderd_config(hub, git, None, "binderd-bench-sse/") + ["c.RateLimiter.limit = 0"],
                            log_level="INFO")
    pid = binderd.process.popen.pid
    url = f"{binderd.url}build/git/{quote(repo.git_url, safe='')}/main"
    http = AsyncHTTPClient(force_instance=True, max_clients=clients + 10)
    population = [Client() for _ in range(clients)]
    start = time.monotonic()
    tasks = [asyncio.create_task(one(c, http, url, duration)) for c in population]
    print(f"{clients} clients on one build stream for {duration:.0f} s; binderd pid {pid}")
    print(f"{'t (s)':>6} {'RSS (MiB)':>10} {'fds':>6} {'open':>6} {'events':>10} {'errors':>7}")
    try:
        while (elapsed := time.monotonic() - start) < duration:
            fds = len(os.listdir(f"/proc/{pid}/fd"))
            errors = sum(c.closed_early for c in population)
            print(f"{elapsed:6.0f} {rss_kib(pid) / 1024:10.1f} {fds:6d} {sum(c.open for c in population):6d} "
                  f"{sum(c.events for c in population):10d} {errors:7d}", flush=True)
            await asyncio.sleep(min(every, max(duration - elapsed, 0.1)))
        refused = sum(1 for c in population if c.closed_early and c.status != 200)
        early = sum(1 for c in population if c.closed_early)
        print(f"end: RSS {rss_kib(pid) / 1024:.1f} MiB, streams refused {refused}, "
              f"closed early {early}, events {sum(c.events for c in population)}")
    finally:
        # the clients' own streams end by cancellation here: not errors worth a traceback each
        logging.getLogger("tornado.application").setLevel(logging.CRITICAL)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        http.close()
        binderd.process.stop()
        remove_build_containers(repo.git_url)
        hub.process.stop()
        git.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--duration", type=float, default=120, help="seconds (the issue asks for 600)")
    parser.add_argument("--every", type=float, default=10, help="seconds between samples")
    args = parser.parse_args()
    asyncio.run(main(args.clients, args.duration, args.every))
