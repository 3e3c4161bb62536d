"""The outbound HTTP layer with the real registry and the real hub.

- A registry answering 503 once: the check is retried and answers.
- 40 hub requests held open at once (a slow hub): each has its own connection,
  and registry checks still answer meanwhile, because the registry has its own pool.
"""

from __future__ import annotations

import asyncio

import pytest
import tornado.web
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.httpserver import HTTPServer

from binderd.http import Pools, RetryPolicy, Unreachable, send
from binderd.launch.launcher import Launcher
from binderd.model import ImageRef
from binderd.registry import DockerRegistry
from tests.fixtures.faults import FaultProxy
from tests.fixtures.images import DOCKER_MANIFEST, RawRegistry
from tests.fixtures.procs import free_port

IMAGE = ImageRef(name="x/binder/pools:one", repository="binder/pools", tag="one", build_name="build-x")


def registry_client(url: str, registry) -> DockerRegistry:
    return DockerRegistry(url=url, username=registry.username, password=registry.password,
                          docker_config_path="/nonexistent", token_url="", retry_delay=0.05)


@pytest.fixture(scope="module")
def pushed(registry):
    RawRegistry(registry.url, registry.username, registry.password).push_image("binder/pools", "one", DOCKER_MANIFEST)


async def test_a_registry_answering_503_once_is_retried(registry, pushed):
    proxy = FaultProxy(registry.url)
    plan = proxy.fail("GET", r"/v2/binder/pools/manifests/one", failures=1)
    try:
        assert await registry_client(proxy.url, registry).image_exists(IMAGE)
    finally:
        proxy.stop()
    assert len(plan.seen) == 2  # the 503, then the answer


async def test_a_registry_that_keeps_failing_is_reported_after_the_configured_attempts(registry, pushed):
    proxy = FaultProxy(registry.url)
    plan = proxy.fail("GET", r"/v2/binder/pools/manifests/one", failures=100)
    try:
        with pytest.raises(Exception, match="503"):
            await registry_client(proxy.url, registry).image_exists(IMAGE)
    finally:
        proxy.stop()
    assert len(plan.seen) == 3  # DockerRegistry.retries


class _Hold(tornado.web.RequestHandler):
    """Holds every request until released, then forwards it to the real hub (a slow hub)."""

    def initialize(self, target: str, held: list, release: asyncio.Event):
        self.target, self.held, self.release = target, held, release

    async def get(self):
        self.held.append(self.request.path)
        await self.release.wait()
        headers = {"Authorization": self.request.headers["Authorization"]}
        response = await AsyncHTTPClient().fetch(
            HTTPRequest(self.target + self.request.uri, headers=headers, request_timeout=30), raise_error=False)
        self.set_status(response.code)
        self.finish(response.body)


async def test_forty_slow_hub_requests_do_not_starve_registry_checks(hub, registry, pushed):
    held: list[str] = []
    release = asyncio.Event()
    port = free_port()
    server = HTTPServer(tornado.web.Application(
        [(r".*", _Hold, {"target": hub.url.rstrip("/"), "held": held, "release": release})]))
    server.listen(port, "127.0.0.1")
    launcher = Launcher(hub_url_local=f"http://127.0.0.1:{port}/", hub_api_token=hub.api_token, retries=1)
    requests = [asyncio.create_task(launcher.api_request("users")) for _ in range(40)]
    try:
        async with asyncio.timeout(60):
            while len(held) < 40:  # all forty are at the hub at once, none queued behind another
                await asyncio.sleep(0.05)
            checks = await asyncio.gather(*(registry_client(registry.url, registry).image_exists(IMAGE)
                                            for _ in range(5)))
        assert checks == [True] * 5
        assert not any(r.done() for r in requests)  # the hub requests were still waiting
        release.set()
        responses = await asyncio.gather(*requests)
        assert [r.code for r in responses] == [200] * 40
    finally:
        release.set()
        server.stop()


def test_retry_policy_settings():
    assert list(RetryPolicy(attempts=4, delay=1, factor=2, max_delay=3).delays()) == [1, 2, 3]
    assert list(RetryPolicy(attempts=1).delays()) == []
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    policy = RetryPolicy.server_errors(2, 0)
    assert policy.retries_status(500) and policy.retries_status(503) and not policy.retries_status(404)


async def test_clients_are_made_in_the_running_loop_one_per_destination():
    pools = Pools()
    a = pools.client("http://127.0.0.1:1/x")
    assert pools.client("http://127.0.0.1:1/y") is a
    assert pools.client("http://127.0.0.1:2/x") is not a
    assert a.io_loop.asyncio_loop is asyncio.get_running_loop()
    pools.close()


async def test_every_request_needs_timeouts_and_connection_errors_are_retried():
    with pytest.raises(ValueError):
        await send(HTTPRequest("http://127.0.0.1:1/", request_timeout=0), RetryPolicy())
    port = free_port()  # nothing listens there
    request = HTTPRequest(f"http://127.0.0.1:{port}/", request_timeout=5, connect_timeout=5)
    with pytest.raises(Unreachable) as caught:
        await send(request, RetryPolicy(attempts=3, delay=0))
    assert caught.value.attempts == 3
