"""Launch latency for an image that is already built: the floor, JupyterHub alone, binderd cold and pooled.

    python bench/launch.py [--launches 20] [--ref main] [--settle 1.0]

Starts the same real servers the tests use (git daemon, JupyterHub with
configurable-http-proxy and BinderSpawner, binderd with images in the local
engine), builds one example image once, then measures, in rounds so that each
kind sees the same machine:

  floor          the image's container started directly through the Docker API, on
                 the network the hub's user servers use, until its Jupyter server
                 answers HTTP (polled every 10 ms)
  JupyterHub     POST users/<name>, POST users/<name>/servers/, follow the
  alone          progress stream until ready, on a hub whose spawner does not
                 wait for the server itself (ready_poll_interval = 0): the hub's
                 own exponential backoff notices it
  binderd cold   GET /build/git/<url>/<ref> until `ready`, spawning a server
                 (the spawner waits for it with a 50 ms poll)
  binderd pooled the same through a binderd keeping one warm server for the image
                 (WarmPool.top_images = 1): the launch claims it

Every figure is request -> ready. Each launch's user is deleted after it, and
each round starts once the pool has refilled, so no pre-start runs while
something is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import docker  # noqa: E402
from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402

from binderd.launch import hubconfig  # noqa: E402
from binderd.launch.mixin import SERVER_PICKER_CMD  # noqa: E402
from tests.fixtures.procs import free_port  # noqa: E402
from tests.fixtures.servers import GitServer, binderd_config, start_binderd, start_hub  # noqa: E402
from tests.fixtures.sse import read_stream  # noqa: E402

PRESTARTED = re.compile(r"Pre-started a server of ")


async def floor_launch(client: docker.DockerClient, image: str, network: str) -> float:
    """Start the container directly, on the network user servers use; seconds until its server answers."""
    host_network = network == "host"
    port, base_url = free_port() if host_network else 8888, "/user/floor/"
    args = [f"--ip={'127.0.0.1' if host_network else '0.0.0.0'}", f"--port={port}",
            f"--ServerApp.base_url={base_url}", f"--ServerApp.token={secrets.token_urlsafe(16)}"]
    http = AsyncHTTPClient()
    start = time.perf_counter()
    container = await asyncio.to_thread(
        client.containers.run, image, SERVER_PICKER_CMD + args, network=network, detach=True)
    try:
        ip = "127.0.0.1"
        if not host_network:
            await asyncio.to_thread(container.reload)
            ip = container.attrs["NetworkSettings"]["Networks"][network]["IPAddress"]
        while True:
            try:
                response = await http.fetch(f"http://{ip}:{port}{base_url}api", raise_error=False)
                if response.code < 500:
                    return time.perf_counter() - start
            except OSError:
                pass
            await asyncio.sleep(0.01)
    finally:
        await asyncio.to_thread(container.remove, force=True)


async def hub_launch(hub, image: str) -> tuple[float, str]:
    """What binderd does, minus binderd: create a user, start its server, follow progress to ready."""
    client = AsyncHTTPClient()
    headers = {"Authorization": f"token {hub.api_token}"}
    name = "direct-" + secrets.token_hex(4)
    start = time.perf_counter()
    await client.fetch(HTTPRequest(hub.api_url + f"users/{name}", method="POST", body="{}", headers=headers))
    body = json.dumps({"image": image, "token": secrets.token_urlsafe(16), "repo_url": "direct"})
    await client.fetch(HTTPRequest(hub.api_url + f"users/{name}/servers/", method="POST", body=body, headers=headers))
    ready: list[float] = []

    def on_chunk(chunk: bytes):
        if b'"ready": true' in chunk or b'"ready":true' in chunk:
            ready.append(time.perf_counter())

    await client.fetch(HTTPRequest(hub.api_url + f"users/{name}/server/progress", headers=headers,
                                   streaming_callback=on_chunk, request_timeout=300))
    return ready[0] - start, name


async def binderd_launch(binderd_url: str, repo_url: str, ref: str) -> tuple[float, str, bool]:
    """(seconds to `ready`, the user, whether a pre-started server was claimed)."""
    start = time.perf_counter()
    stream = await read_stream(f"{binderd_url}build/git/{quote(repo_url, safe='')}/{ref}")
    if stream.phases[-1] != "ready":
        raise RuntimeError(f"binderd launch failed: {stream.events[-1]}")
    claimed = any(e.get("message") == "Claimed a pre-started server\n" for e in stream.events)
    return stream.times[-1] - start, stream.events[-1]["url"].rstrip("/").rsplit("/", 1)[-1], claimed


def pct(values: list[float], q: float) -> float:
    if q == 0.5:
        return statistics.median(values)
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def delete_user(hub, name: str) -> None:
    hub.api("DELETE", f"users/{name}")
    deadline = time.monotonic() + 30
    while hub.api("GET", f"users/{name}")[0] != 404 and time.monotonic() < deadline:
        time.sleep(0.1)


async def wait_for_pool(binderd, count: int) -> None:
    """Until the pooled binderd has pre-started `count` servers in all."""
    deadline = time.monotonic() + 120
    while len(PRESTARTED.findall(binderd.log_text())) < count:
        if time.monotonic() > deadline:
            raise RuntimeError("the pool did not refill: " + binderd.process.tail())
        await asyncio.sleep(0.05)


async def main(launches: int, ref: str, settle: float) -> None:
    root = tempfile.mkdtemp(prefix="binderd-bench-")
    git = GitServer(os.path.join(root, "git"))
    hub = start_hub(os.path.join(root, "hub"))
    alone = start_hub(os.path.join(root, "hub-alone"), extra=["c.BinderSpawner.ready_poll_interval = 0"])
    prefix = f"binderd-bench-{secrets.token_hex(3)}/"
    log_level = os.environ.get("BENCH_LOG_LEVEL", "INFO")  # INFO as in production
    cold = start_binderd(os.path.join(root, "cold"), binderd_config(hub, git, None, prefix), log_level=log_level)
    pooled = start_binderd(os.path.join(root, "pooled"),
                           binderd_config(hub, git, None, prefix) + ["c.WarmPool.top_images = 1"],
                           log_level=log_level)
    client = docker.from_env()
    image = ""
    try:
        repo = git.create("bench")
        _, user, _ = await binderd_launch(cold.url, repo.git_url, ref)  # builds the image once
        delete_user(hub, user)
        image = (await read_stream(f"{cold.url}build/git/{quote(repo.git_url, safe='')}/{ref}")).events[-1]["image"]
        hub.delete_all_users()
        _, user, _ = await binderd_launch(pooled.url, repo.git_url, ref)  # tells the pool the image
        delete_user(hub, user)
        network = hubconfig.HubSettings(directory=root, api_token="").network  # the hubs' user network
        await floor_launch(client, image, network)  # warm the page cache for the image's files
        results: dict[str, list[float]] = {"floor": [], "alone": [], "cold": [], "pooled": []}
        misses = 0
        for i in range(launches):
            await wait_for_pool(pooled, i + 1)  # the refill after the last claim is over: a quiet machine
            await asyncio.sleep(settle)
            results["floor"].append(await floor_launch(client, image, network))
            await asyncio.sleep(settle)
            seconds, user = await hub_launch(alone, image)
            results["alone"].append(seconds)
            delete_user(alone, user)
            await asyncio.sleep(settle)
            seconds, user, _ = await binderd_launch(cold.url, repo.git_url, ref)
            results["cold"].append(seconds)
            delete_user(hub, user)
            await asyncio.sleep(settle)
            seconds, user, claimed = await binderd_launch(pooled.url, repo.git_url, ref)
            results["pooled"].append(seconds)
            misses += not claimed
            delete_user(hub, user)
        floor = statistics.median(results["floor"])
        print(f"launch of an already built image, request -> ready, {launches} launches each, ref {ref!r}")
        labels = {"floor": "floor: container started directly", "alone": "JupyterHub alone",
                  "cold": "binderd cold (spawn)", "pooled": "binderd from the pool (claim)"}
        for kind, label in labels.items():
            ms = [v * 1000 for v in results[kind]]
            p50, p90 = pct(ms, .5), pct(ms, .9)
            print(f"{label:<36} p50 {p50:7.0f} ms  p90 {p90:7.0f} ms   p50/floor {p50 / 1000 / floor:5.2f}  "
                  f"p90/floor {p90 / 1000 / floor:5.2f}")
        if misses:
            print(f"({misses} pooled launches found no warm server and spawned)")
    finally:
        for binderd in (cold, pooled):
            binderd.process.stop()
        for h in (hub, alone):
            h.delete_all_users()
            h.process.stop()
        git.stop()
        if image:
            client.images.remove(image, force=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=20)
    parser.add_argument("--ref", default="main", help="ref to launch (a branch exercises ref resolution)")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds of quiet between launches")
    args = parser.parse_args()
    asyncio.run(main(args.launches, args.ref, args.settle))
