"""Prompt readiness: the binder spawners return from start() only once the server answers.

The hub-level tests run a real JupyterHub whose own readiness check is cut down
to a single attempt: a launch then succeeds only if the server already answers
when the spawner's start() returns. The same hub with the spawner's wait turned
off shows the check is strict enough to fail.
"""

import asyncio

import pytest
import tornado.web
from jupyterhub.spawner import Spawner
from tornado.httpserver import HTTPServer

from binderd.errors import LaunchError
from binderd.launch import Launcher
from binderd.launch.mixin import BinderSpawnerMixin
from tests.fixtures.kube_hub import create_ca_secret, kube_hub_config
from tests.fixtures.procs import free_port
from tests.fixtures.servers import BASE_IMAGE, start_hub
from tests.launch.spawners import make
from tests.launch.test_launcher import EXTRA, Recorder

# jupyterhub_config.py lines: the hub checks a new server once, with no backoff
FIRST_CHECK_ONLY = [
    "import jupyterhub.objects as _objects",
    "_wait_for_http_server = _objects.wait_for_http_server",
    "async def _first_check_only(url, timeout=10, ssl_context=None):",
    "    return await _wait_for_http_server(url, timeout=0.001, ssl_context=ssl_context)",
    "_objects.wait_for_http_server = _first_check_only",
]


class PortSpawner(Spawner):
    """start() returns a port where a server will listen later; poll() says whether it still runs."""

    exited = False

    async def start(self):
        return ("127.0.0.1", self.port)

    async def stop(self, now=False):
        pass

    async def poll(self):
        return 1 if self.exited else None


class BinderPortSpawner(BinderSpawnerMixin, PortSpawner):
    pass


class Answer(tornado.web.RequestHandler):
    def get(self, path):
        self.write({"path": path})


def spawner_on_free_port(**config):
    spawner = make(BinderPortSpawner, **config)
    spawner.port = free_port()
    spawner.ready_poll_interval = 0.01
    return spawner


async def test_start_returns_once_the_server_answers():
    spawner = spawner_on_free_port()
    start = asyncio.ensure_future(spawner.start())
    await asyncio.sleep(0.5)
    assert not start.done(), "start() returned before anything listened"
    server = HTTPServer(tornado.web.Application([(r"(.*)", Answer)]))
    server.listen(spawner.port, "127.0.0.1")
    try:
        assert await asyncio.wait_for(start, 10) == ("127.0.0.1", spawner.port)
    finally:
        server.stop()


async def test_start_stops_waiting_when_the_server_exits():
    spawner = spawner_on_free_port()
    start = asyncio.ensure_future(spawner.start())
    await asyncio.sleep(0.3)
    assert not start.done()
    spawner.exited = True
    assert await asyncio.wait_for(start, 10) == ("127.0.0.1", spawner.port)


async def test_start_stops_waiting_after_http_timeout():
    spawner = spawner_on_free_port(http_timeout=1)
    assert await asyncio.wait_for(spawner.start(), 10) == ("127.0.0.1", spawner.port)


async def test_no_wait_when_turned_off():
    spawner = spawner_on_free_port()
    spawner.ready_poll_interval = 0
    assert await asyncio.wait_for(spawner.start(), 1) == ("127.0.0.1", spawner.port)


def test_ready_url_is_the_servers_base_url():
    spawner = make(BinderPortSpawner)
    assert spawner.binder_ready_url(("10.0.0.5", 8888)) == "http://10.0.0.5:8888/user/ana/"
    assert spawner.binder_ready_url("http://10.0.0.5:8888") == "http://10.0.0.5:8888/user/ana/"


async def launch_once(hub) -> dict:
    launcher = Launcher(hub_url=hub.url, hub_url_local=hub.url, hub_api_token=hub.api_token,
                        retries=1, retry_delay=0.1, launch_timeout=240)
    return await launcher.launch(BASE_IMAGE, "https://example.org/org/ready.git", EXTRA, Recorder())


async def check_first_check(hub, interval: float) -> None:
    """With the spawner's wait the launch succeeds; without it the hub's single check fails it."""
    try:
        if interval:
            fields = await launch_once(hub)
            assert fields["url"].startswith(hub.url + "user/org-ready-")
        else:
            with pytest.raises(LaunchError):  # the server was not up yet at the hub's one check
                await launch_once(hub)
    finally:
        hub.delete_all_users()
        hub.process.stop()


INTERVALS = pytest.mark.parametrize("interval", [0.05, 0], ids=["spawner-waits", "hub-alone"])


@INTERVALS
async def test_docker_hubs_first_check_succeeds(tmp_path, docker_engine, interval):
    extra = [*FIRST_CHECK_ONLY, f"c.BinderSpawner.ready_poll_interval = {interval}"]
    await check_first_check(start_hub(str(tmp_path), extra=extra), interval)


@INTERVALS
async def test_kubernetes_hubs_first_check_succeeds(tmp_path, kube_cluster, kube_namespace, docker_engine, interval):
    create_ca_secret(kube_cluster, kube_namespace)
    extra = [*kube_hub_config(str(tmp_path), kube_namespace), *FIRST_CHECK_ONLY,
             f"c.BinderSpawner.ready_poll_interval = {interval}"]
    await check_first_check(start_hub(str(tmp_path), extra=extra, env=kube_cluster.env()), interval)
