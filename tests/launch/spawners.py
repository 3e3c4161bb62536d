"""Helpers for the spawner unit tests: a spawner with a user, a server URL and launch options."""

import asyncio

from jupyterhub.objects import Server
from kubespawner import KubeSpawner
from kubespawner.spawner import MockObject
from traitlets.config import Config

OPTIONS = {
    "image": "registry.example.org/binder-r-abc:0123",
    "token": "server-token-0123456789",
    "repo_url": "https://example.org/r.git",
    "binder_ref_url": "https://example.org/r/tree/0123",
    "binder_launch_host": "https://binder.example.org/",
    "binder_request": "v2/gh/r/HEAD",
    "binder_persistent_request": "v2/gh/r/0123",
    "binder_client_ip": "192.0.2.7",
}


def make(cls, options=None, **config):
    """An instance of spawner class `cls` with `config` set on its own section."""
    c = Config()
    for name, value in config.items():
        setattr(c[cls.__name__], name, value)
    spawner = cls(config=c, _mock=True) if issubclass(cls, KubeSpawner) else cls(config=c)
    if spawner.user is None:
        user = MockObject()
        user.name, user.id, user.url, user.escaped_name = "ana", 7, "/user/ana/", "ana"
        spawner.user = user
    if spawner.hub is None:
        hub = MockObject()
        hub.public_host, hub.url, hub.base_url, hub.api_url = "", "/hub/", "/hub/", "http://127.0.0.1:8081/hub/api"
        spawner.hub = hub
    spawner.server = Server(base_url="/user/ana/")
    spawner.api_token = "hub-api-token"
    spawner.user_options = dict(OPTIONS if options is None else options)
    return spawner



async def call_start(spawner):
    """spawner.start(), awaited when it is a coroutine (DockerSpawner) and not when it is a future."""
    result = spawner.start()
    if asyncio.iscoroutine(result):
        return await result
    return result
