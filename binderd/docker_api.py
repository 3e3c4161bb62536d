"""A minimal asynchronous client for the Docker Engine API over its unix socket.

docker-py is synchronous; calling it from a request handler would block the
event loop (upstream BinderHub does, on every launch). binderd needs only a
couple of read-only calls, so it speaks HTTP to the socket itself, through
tornado's client and a resolver that maps a placeholder host to the socket.
"""

from __future__ import annotations

import json
import os
import socket
from urllib.parse import quote, urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.netutil import Resolver

_PLACEHOLDER_HOST = "docker-engine.invalid"


class _UnixResolver(Resolver):
    def initialize(self, socket_path: str) -> None:
        self.socket_path = socket_path

    async def resolve(self, host, port, family=socket.AF_UNSPEC):
        return [(socket.AF_UNIX, self.socket_path)]


def socket_path_from_env() -> str:
    """The engine's socket path from $DOCKER_HOST (unix:// only), else the default."""
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        return urlsplit(host).path
    return "/var/run/docker.sock"


class DockerEngine:
    """Read-only Docker Engine API calls, without blocking the event loop."""

    def __init__(self, socket_path: str | None = None, api_version: str = "v1.41"):
        self.socket_path = socket_path or socket_path_from_env()
        self.api_version = api_version
        self._client = AsyncHTTPClient(
            force_instance=True, resolver=_UnixResolver(socket_path=self.socket_path)
        )

    async def _get(self, path: str, timeout: float = 10):
        request = HTTPRequest(
            f"http://{_PLACEHOLDER_HOST}/{self.api_version}{path}",
            request_timeout=timeout,
            connect_timeout=timeout,
        )
        return await self._client.fetch(request, raise_error=False)

    async def image_exists(self, name: str) -> bool:
        """True if the engine has an image called `name`."""
        response = await self._get(f"/images/{quote(name, safe='')}/json")
        if response.code == 200:
            return True
        if response.code == 404:
            return False
        raise OSError(f"Docker engine answered {response.code} ({response.error}) for image {name}")

    async def version(self) -> dict:
        """The engine's /version document; raises OSError if it does not answer."""
        response = await self._get("/version", timeout=3)
        if response.code != 200:
            raise OSError(f"Docker engine at {self.socket_path} did not answer: {response.error}")
        return json.loads(response.body)
