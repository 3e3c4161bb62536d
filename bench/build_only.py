"""`/build?build_only=true` throughput of binderd in API-only mode, for an image that is already built.

    .venv/bin/python bench/build_only.py [--requests 10000]

Starts a git server (the tests' git daemon) with one repository and binderd in
API-only mode keeping images in the local Docker engine (rate limit off: every
request is a distinct client's first). The first request builds the image;
then clients on keep-alive connections ask for it at 20 and at 100 at once,
each request read to the end of its stream (`ready`, "Done! Found built
image"). Printed: requests per second, p50 and p95 latency, errors, binderd's
CPU time per request (from /proc), and its RSS after all requests. Figures
depend on the machine and its load; no test checks them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from urllib.parse import quote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.fixtures.servers import GitServer, start_binderd  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
TARGETS = {"rps_100": 250, "p95_ms": 300, "cpu_ms": 3, "rss_mb": 80}


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def one_request(reader, writer, request: bytes) -> dict:
    """One GET on a keep-alive connection, read to the end of the chunked body; its last event."""
    writer.write(request)
    await writer.drain()
    status = await reader.readline()
    while (await reader.readline()) not in (b"\r\n", b""):
        pass  # headers
    body = b""
    while True:
        size = int((await reader.readline()).strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            break
        body += (await reader.readexactly(size + 2))[:-2]  # without the chunk's CRLF
    frames = [f for f in body.decode().split("\n\n") if f.startswith("data: ")]
    if not status.startswith(b"HTTP/1.1 200") or not frames:
        return {"phase": "none", "status": status.decode().strip()}
    return json.loads(frames[-1][6:])


async def client(host: str, port: int, request: bytes, count: int, latencies: list, errors: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(count):
            start = time.perf_counter()
            try:
                last = await one_request(reader, writer, request)
            except (OSError, ValueError, asyncio.IncompleteReadError) as e:
                errors.append(repr(e))
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            latencies.append(time.perf_counter() - start)
            if last.get("phase") != "ready":
                errors.append(json.dumps(last))
    finally:
        writer.close()


async def run_level(url: str, concurrency: int, total: int) -> dict:
    parts = urlsplit(url)
    target = parts.path + "?" + parts.query
    request = (f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: text/event-stream\r\n\r\n").encode()
    latencies: list[float] = []
    errors: list[str] = []
    per_client = [total // concurrency + (1 if i < total % concurrency else 0) for i in range(concurrency)]
    start = time.perf_counter()
    await asyncio.gather(*(client(parts.hostname, parts.port, request, n, latencies, errors) for n in per_client))
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "concurrency": concurrency, "requests": total, "rps": total / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "errors": len(errors), "first_error": errors[0] if errors else "",
    }


async def bench(binder_url: str, pid: int, repo_url: str, requests: int) -> None:
    url = f"{binder_url}build/git/{quote(repo_url, safe='')}/main?build_only=true"
    warm = await run_level(url, 1, 1)  # builds the image
    if warm["errors"]:
        raise SystemExit(f"the first build failed: {warm}")
    print(f"image built (first request {warm['p50_ms'] / 1000:.1f} s)")
    print("| concurrent | requests | req/s | p50 ms | p95 ms | errors | CPU ms/request |")
    print("|---|---|---|---|---|---|---|")
    done = 1
    share = {20: requests * 3 // 10, 100: requests - requests * 3 // 10}
    results = {}
    for concurrency, total in share.items():
        cpu_before = cpu_seconds(pid)
        r = await run_level(url, concurrency, total)
        cpu = 1000 * (cpu_seconds(pid) - cpu_before) / total
        done += total
        results[concurrency] = (r, cpu)
        print(f"| {concurrency} | {total} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
              f"{r['errors']} | {cpu:.2f} |" + (f"  first error: {r['first_error']}" if r["errors"] else ""))
    rss = rss_mb(pid)
    print(f"\nbinderd RSS after {done} requests: {rss:.1f} MB")
    r100, cpu100 = results[100]
    print("targets: {} req/s at 100 ({}), p95 {} ms ({}), 0 errors ({}), {} ms CPU ({}), RSS {} MB ({})".format(
        TARGETS["rps_100"], "met" if r100["rps"] >= TARGETS["rps_100"] else "MISSED",
        TARGETS["p95_ms"], "met" if r100["p95_ms"] <= TARGETS["p95_ms"] else "MISSED",
        "met" if not any(r["errors"] for r, _ in results.values()) else "MISSED",
        TARGETS["cpu_ms"], "met" if max(c for _, c in results.values()) <= TARGETS["cpu_ms"] else "MISSED",
        TARGETS["rss_mb"], "met" if rss <= TARGETS["rss_mb"] else "MISSED",
    ))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000, help="requests in all, after the first build")
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="binderd-bench-build-only-")
    git = GitServer(os.path.join(root, "git"))
    repo = git.create("bench-build-only")
    config = [
        "c.BinderHub.enable_api_only_mode = True",
        "c.BinderHub.use_registry = False",
        "c.BinderHub.image_prefix = 'binderd-bench-build-only/'",
        # build_only launches nothing: no hub is contacted, but binderd needs to be told one
        "c.BinderHub.hub_url = 'http://127.0.0.1:9/'",
        "c.GitRepoProvider.allowed_networks = ['127.0.0.1/32']",
        "c.RateLimiter.limit = 0",
    ]
    binderd = start_binderd(os.path.join(root, "binderd"), config, log_level="WARN")
    try:
        asyncio.run(bench(binderd.url, binderd.process.popen.pid, repo.git_url, args.requests))
    finally:
        binderd.process.stop()
        git.stop()


if __name__ == "__main__":
    main()
