"""Launch latency: binderd vs. JupyterHub alone, for an image that is already built.

    python bench/launch.py [--pairs 20] [--ref main]

Starts the same real servers the tests use (git daemon, JupyterHub with
configurable-http-proxy and BinderSpawner, binderd with images in the local
engine), builds one example image once, then runs alternating pairs:

  binderd  GET /build/git/<url>/<ref> until `ready`
  direct   POST users/<name>, POST users/<name>/servers/, follow the progress
           stream until ready (what binderd does, minus binderd)

Totals are dominated by JupyterHub's own readiness polling (a jittered backoff
up to 3.2 s), so it also prints binderd's own overhead: how much later than the
direct client binderd's launch reaches the hub's "Server requested" event,
measured from the moment each client sends its first request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tornado.httpclient import AsyncHTTPClient, HTTPRequest  # noqa: E402

from tests.fixtures.servers import GitServer, binderd_config, start_binderd, start_hub  # noqa: E402
from tests.fixtures.sse import read_stream  # noqa: E402


FIRST_EVENT: list[float] = []  # binderd: request -> `built` (resolve + image lookup + HTTP)


async def binderd_launch(binderd_url: str, repo_url: str, ref: str) -> tuple[float, float, str]:
    start = time.perf_counter()
    stream = await read_stream(f"{binderd_url}build/git/{quote(repo_url, safe='')}/{ref}")
    if stream.phases[-1] != "ready":
        raise RuntimeError(f"binderd launch failed: {stream.events[-1]}")
    requested = next(t for e, t in zip(stream.events, stream.times) if e.get("message") == "Server requested\n")
    FIRST_EVENT.append(stream.times[0] - start)
    return requested - start, stream.times[-1] - start, stream.events[-1]["url"].rstrip("/").rsplit("/", 1)[-1]


async def direct_launch(hub, image: str) -> tuple[float, float, str]:
    client = AsyncHTTPClient()
    headers = {"Authorization": f"token {hub.api_token}"}
    name = "direct-" + secrets.token_hex(4)
    start = time.perf_counter()
    await client.fetch(HTTPRequest(hub.api_url + f"users/{name}", method="POST", body="{}", headers=headers))
    body = json.dumps({"image": image, "token": secrets.token_urlsafe(16), "repo_url": "direct"})
    await client.fetch(HTTPRequest(hub.api_url + f"users/{name}/servers/", method="POST", body=body, headers=headers))
    times: dict[str, float] = {}
    buffer = ""

    def on_chunk(chunk: bytes):
        nonlocal buffer
        buffer += chunk.decode()
        while "\n\n" in buffer:
            frame, buffer = buffer.split("\n\n", 1)
            if frame.startswith("data:"):
                event = json.loads(frame[5:])
                now = time.perf_counter()
                if event.get("message") == "Server requested":
                    times.setdefault("requested", now)
                if event.get("ready"):
                    times.setdefault("ready", now)

    await client.fetch(HTTPRequest(hub.api_url + f"users/{name}/server/progress", headers=headers,
                                   streaming_callback=on_chunk, request_timeout=300))
    return times["requested"] - start, times["ready"] - start, name


def pct(values: list[float], q: float) -> float:
    if q == 0.5:
        return statistics.median(values)
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def row(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return f"{label:<44} p50 {pct(ms, .5):8.1f}  p90 {pct(ms, .9):8.1f}  min {min(ms):8.1f}  max {max(ms):8.1f}  (ms, n={len(ms)})"


async def main(pairs: int, ref: str, settle: float) -> None:
    root = tempfile.mkdtemp(prefix="binderd-bench-")
    git = GitServer(os.path.join(root, "git"))
    hub = start_hub(os.path.join(root, "hub"))
    binderd = start_binderd(os.path.join(root, "binderd"),
                            binderd_config(hub, git, None, f"binderd-bench-{secrets.token_hex(3)}/"),
                            log_level=os.environ.get("BENCH_LOG_LEVEL", "INFO"))  # INFO as in production
    try:
        repo = git.create("bench")
        _, _, user = await binderd_launch(binderd.url, repo.git_url, ref)  # builds the image once
        image = (await read_stream(f"{binderd.url}build/git/{quote(repo.git_url, safe='')}/{ref}")).events[-1]["image"]
        hub.delete_all_users()
        results: dict[str, list[float]] = {"b_req": [], "b_ready": [], "d_req": [], "d_ready": []}
        for i in range(pairs):
            order = [("b", None), ("d", None)] if i % 2 == 0 else [("d", None), ("b", None)]
            for kind, _ in order:
                if kind == "b":
                    req, ready, _ = await binderd_launch(binderd.url, repo.git_url, ref)
                else:
                    req, ready, _ = await direct_launch(hub, image)
                results[f"{kind}_req"].append(req)
                results[f"{kind}_ready"].append(ready)
                hub.delete_all_users()
                await asyncio.sleep(settle)  # let the hub finish tearing down before the next launch
        overhead = [b - d for b, d in zip(results["b_req"], results["d_req"])]
        FIRST_EVENT[:] = FIRST_EVENT[-pairs:]  # drop the build and warm-up requests
        print(f"launch of an already built image, {pairs} alternating pairs, ref {ref!r}")
        print(row("binderd: request -> ready", results["b_ready"]))
        print(row("JupyterHub alone: request -> ready", results["d_ready"]))
        print(row("binderd: request -> 'Server requested'", results["b_req"]))
        print(row("JupyterHub alone: request -> 'Server requested'", results["d_req"]))
        print(row("binderd's own overhead (pairwise difference)", overhead))
        print(row("binderd: request -> 'built' (its own stages)", FIRST_EVENT))
        print(f"binderd overhead p50 = {statistics.median(overhead) * 1000:.1f} ms")
        if os.environ.get("BENCH_LOG_LEVEL") == "DEBUG":
            print("\n".join(line.split("] ", 1)[-1] for line in binderd.log_text().splitlines() if "stage times" in line))
    finally:
        binderd.process.stop()
        hub.delete_all_users()
        hub.process.stop()
        git.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--ref", default="main", help="ref to launch (a branch exercises ref resolution)")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds of quiet between launches")
    args = parser.parse_args()
    asyncio.run(main(args.pairs, args.ref, args.settle))
