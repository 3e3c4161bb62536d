"""Registry existence checks: HTTP round trips and time per check, cold and with a cached token.

    python bench/registry_check.py [--checks 200]

Starts the same real registries the tests use (Debian's docker-registry with
htpasswd auth, and with token auth plus the suite's JWT issuer), puts one image
in each, then measures DockerRegistry.image_exists:

  cold      a new DockerRegistry per check: nothing known, no token cached
  new scope the realm is known, but not a token for this repository
  cached    the same DockerRegistry again and again (token cached per scope)
  with token_url configured (token auth), cold: the challenge round trip is skipped

Round trips are counted by DockerRegistry.request_count (registry and token
service requests alike). Figures depend on the machine; tests never check them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from binderd.model import ImageRef  # noqa: E402
from binderd.registry import DockerRegistry  # noqa: E402
from tests.fixtures.images import DOCKER_MANIFEST, RawRegistry  # noqa: E402
from tests.fixtures.servers import start_registry  # noqa: E402
from tests.fixtures.token_registry import SERVICE, start_token_registry  # noqa: E402

IMAGE = ImageRef(name="bench", repository="binder/bench", tag="v1", build_name="build-bench")


def other(i: int) -> ImageRef:
    return ImageRef(name="bench", repository=f"binder/bench-{i}", tag="v1", build_name="build-bench")


async def measure(label: str, make, image_for, n: int) -> None:
    """Run n checks; print mean round trips and median/p95 milliseconds per check."""
    trips, times = [], []
    for i in range(n):
        registry = make(i)
        before = registry.request_count
        start = time.perf_counter()
        await registry.image_exists(image_for(i))
        times.append((time.perf_counter() - start) * 1000)
        trips.append(registry.request_count - before)
    times.sort()
    print(f"  {label:<34} {statistics.mean(trips):5.2f} round trips   "
          f"median {statistics.median(times):6.2f} ms   p95 {times[int(0.95 * (n - 1))]:6.2f} ms")


async def bench(n: int) -> None:
    root = tempfile.mkdtemp(prefix="binderd-bench-")
    basic = start_registry(os.path.join(root, "basic"))
    token = start_token_registry(os.path.join(root, "token"))
    try:
        RawRegistry(basic.url, basic.username, basic.password).push_image("binder/bench", "v1", DOCKER_MANIFEST)
        RawRegistry(token.url, "binder", token.users["binder"], token.realm, SERVICE).push_image(
            "binder/bench", "v1", DOCKER_MANIFEST)

        def client(reg_url: str, user: str, password: str, **traits) -> DockerRegistry:
            return DockerRegistry(url=reg_url, username=user, password=password, docker_config_path="/nonexistent",
                                  **traits)

        print(f"{n} existence checks each (image present)\n")
        print("htpasswd (basic auth) registry")
        await measure("cold (new client each check)", lambda i: client(basic.url, "binder", basic.password),
                      lambda i: IMAGE, n)
        warm = client(basic.url, "binder", basic.password)
        await measure("same client", lambda i: warm, lambda i: IMAGE, n)

        print("token auth registry (WWW-Authenticate challenge, no token_url)")
        pw = token.users["binder"]
        await measure("cold (new client each check)", lambda i: client(token.url, "binder", pw), lambda i: IMAGE, n)
        known = client(token.url, "binder", pw)
        await known.image_exists(IMAGE)
        await measure("new scope (realm known)", lambda i: known, other, n)
        cached = client(token.url, "binder", pw)
        await cached.image_exists(IMAGE)
        await measure("cached token", lambda i: cached, lambda i: IMAGE, n)
        print("token auth registry with token_url configured")
        await measure("cold (new client each check)", lambda i: client(token.url, "binder", pw, token_url=token.token_url),
                      lambda i: IMAGE, n)
    finally:
        token.stop()
        basic.process.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=200, help="existence checks per scenario")
    asyncio.run(bench(parser.parse_args().checks))


if __name__ == "__main__":
    main()
