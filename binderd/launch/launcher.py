"""`Launcher`: create a temporary JupyterHub user, start its server, follow its progress.

The calls and payloads are upstream BinderHub's, so any hub configured for
upstream (BinderSpawnerMixin + KubeSpawner/DockerSpawner) works with binderd.
Unlike upstream, a launch that fails deletes the temporary user it created, so
failed launches leave no user or container behind.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from tornado.httpclient import HTTPRequest, HTTPResponse
from traitlets import Any, Bool, Float, Integer, Unicode, default
from traitlets.config import LoggingConfigurable

from binderd.errors import LaunchError, UserFacingError
from binderd.http import RetryPolicy, Unreachable, send
from binderd.launch.names import new_server_token, unique_name_from_repo

Emit = Callable[[dict], Awaitable[None]]


class HubUnavailable(LaunchError):
    """The hub did not answer, or answered 5xx: worth another attempt."""


class Launcher(LoggingConfigurable):
    """Starts servers through JupyterHub's REST API."""

    hub_url = Unicode(help="Public URL of JupyterHub (set from BinderHub.hub_url).")
    hub_url_local = Unicode(help="URL binderd reaches JupyterHub at (set from BinderHub.hub_url_local).")
    hub_api_token = Unicode(help="JupyterHub API token (set from BinderHub.hub_api_token). Never logged.")
    create_user = Bool(True, help="Create a temporary user per launch (anonymous mode).")

    retries = Integer(4, min=1, help="Attempts of the whole launch (the pipeline starts it again).").tag(
        config=True
    )
    request_attempts = Integer(
        3, min=1,
        help="""Attempts of each hub API request (connection errors and 5xx answers), within one launch
        attempt: a launch makes at most retries x request_attempts tries of one request.""",
    ).tag(config=True)
    retry_delay = Float(4, min=0, help="Seconds before the first retry; doubles on each further one.").tag(
        config=True
    )
    max_connections = Integer(
        1000, min=1,
        help="""Connections to the hub at once. Each launch holds one while it follows its server's
        progress, so this bounds concurrent launches; the registry and providers have their own.""",
    ).tag(config=True)
    launch_timeout = Float(600, help="Seconds a server may take to become ready.").tag(config=True)
    request_timeout = Float(30, help="Seconds to wait for each hub API request.").tag(config=True)
    allow_named_servers = Bool(
        help="Launch into a named server of the logged-in user (auth mode).",
    ).tag(config=True)
    named_server_limit_per_user = Integer(
        help="Refuse a launch when the user has this many named servers (0: no limit).",
    ).tag(config=True)
    pre_launch_hook = Any(
        None,
        allow_none=True,
        help="Callable(launcher, image, username, server_name, repo_url) run before the server starts; "
        "it may raise to refuse the launch.",
    ).tag(config=True)

    @default("allow_named_servers")
    def _default_named(self):
        return os.environ.get("JUPYTERHUB_ALLOW_NAMED_SERVERS", "") == "true"

    @default("named_server_limit_per_user")
    def _default_limit(self):
        return int(os.environ.get("JUPYTERHUB_NAMED_SERVER_LIMIT_PER_USER", 0) or 0)

    @property
    def api_url(self) -> str:
        return os.environ.get("JUPYTERHUB_API_URL", self.hub_url_local.rstrip("/") + "/hub/api").rstrip("/") + "/"

    async def api_request(self, path: str, method: str = "GET", body: dict | None = None, **kwargs) -> HTTPResponse:
        """One hub API request, retried on connection errors and 5xx. Raises HubUnavailable."""
        kwargs.setdefault("request_timeout", self.request_timeout)
        request = HTTPRequest(
            self.api_url + path,
            method=method,
            body=None if body is None else json.dumps(body),
            headers={"Authorization": f"token {self.hub_api_token}"},
            allow_nonstandard_methods=True,
            connect_timeout=min(self.request_timeout, 10),
            **kwargs,
        )
        try:
            response = await send(request, RetryPolicy.server_errors(self.request_attempts, self.retry_delay),
                                  max_clients=self.max_connections, what="hub")
        except Unreachable as e:  # connection refused, DNS, timeout
            reason = e.reason
        else:
            if response.code < 500:
                return response
            reason = f"HTTP {response.code}"
        raise HubUnavailable(f"JupyterHub at {self.hub_url_local} is not answering ({reason}).", 503)

    async def _create_user(self, username: str, image: str) -> None:
        response = await self.api_request(f"users/{quote(username, safe='@~')}", "POST", body={})
        if response.code not in (201, 409):
            self.log.error("Creating user %s: HTTP %s %s", username, response.code, response.body[:200])
            raise LaunchError(f"Failed to create temporary user for {image}", 500)

    async def delete_user(self, username: str, timeout: float = 120) -> None:
        """Stop a temporary user's server (even a pending one), then delete the user. Never raises.

        The hub refuses to delete a user whose server is active, so this stops the
        server first and waits until the hub reports it gone.
        """
        user = quote(username, safe="@~")
        try:
            async with asyncio.timeout(timeout):
                # stopping the default server also interrupts a pending spawn
                await self.api_request(f"users/{user}/server", "DELETE")
                while True:
                    response = await self.api_request(f"users/{user}")
                    if response.code == 404:
                        return
                    model = json.loads(response.body)
                    if not model.get("servers") and not model.get("pending"):
                        break
                    await asyncio.sleep(0.2)
                response = await self.api_request(f"users/{user}", "DELETE")
                if response.code not in (204, 404):
                    self.log.warning("Deleting user %s: HTTP %s", username, response.code)
        except Exception as e:  # noqa: BLE001 - best effort cleanup
            self.log.warning("Could not delete temporary user %s: %s", username, e)

    async def _follow_progress(self, username: str, server_name: str, image: str, emit: Emit) -> dict:
        user = quote(username, safe="@~")
        path = f"users/{user}/servers/{server_name}/progress" if server_name else f"users/{user}/server/progress"
        events: asyncio.Queue = asyncio.Queue()
        buffer = b""

        def on_chunk(chunk: bytes) -> None:
            nonlocal buffer
            buffer += chunk
            while b"\n\n" in buffer:
                frame, buffer = buffer.split(b"\n\n", 1)
                for line in frame.decode("utf-8", "replace").splitlines():
                    if line.startswith("data:"):
                        try:
                            events.put_nowait(json.loads(line[5:]))
                        except ValueError:
                            pass

        stream = asyncio.ensure_future(
            self.api_request(path, streaming_callback=on_chunk, request_timeout=self.launch_timeout)
        )
        try:
            while True:
                getter = asyncio.ensure_future(events.get())
                await asyncio.wait([getter, stream], return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    if events.empty():
                        response = stream.result()
                        raise LaunchError(
                            f"Image {image} for user {username} failed to launch"
                            + (f" (hub answered HTTP {response.code})" if response.code != 200 else ""),
                            500,
                        )
                    continue
                event = getter.result()
                if event.get("message"):
                    await emit({"phase": "launching", "message": event["message"].rstrip("\n") + "\n"})
                if event.get("failed"):
                    raise LaunchError(event.get("message") or f"Failed to launch image {image}", 500)
                if event.get("ready"):
                    return event
        finally:
            stream.cancel()

    async def launch(
        self,
        image: str,
        repo_url: str,
        extra: dict,
        emit: Emit,
        username: str | None = None,
        server_name: str = "",
    ) -> dict:
        """Start a server for `image` and return upstream's `ready` fields (url, token, ...)."""
        if not self.hub_url:
            # Not a hub fault worth retrying: the operator has not told binderd where the hub is.
            raise UserFacingError(
                "This BinderHub does not know its JupyterHub's address yet (BinderHub.hub_url is not set). "
                "Please try again later, or tell the operators.",
                503,
            )
        username = username or unique_name_from_repo(repo_url)
        token = new_server_token()
        created = False
        try:
            async with asyncio.timeout(self.launch_timeout):
                if self.create_user:
                    await self._create_user(username, image)
                    created = True
                else:
                    await self._check_room(username, server_name)
                if self.pre_launch_hook:
                    result = self.pre_launch_hook(self, image, username, server_name, repo_url)
                    if asyncio.iscoroutine(result):
                        await result
                body = {"image": image, "repo_url": repo_url, "token": token, **extra}
                path = f"users/{quote(username, safe='@~')}/servers/{server_name}"
                response = await self.api_request(path, "POST", body=body)
                if response.code not in (201, 202):
                    detail = _hub_message(response)
                    self.log.error("Starting server for %s: HTTP %s %s", username, response.code, detail)
                    raise LaunchError(f"Failed to launch image {image}" + (f": {detail}" if detail else ""), 500)
                await self._follow_progress(username, server_name, image, emit)
        except TimeoutError:
            await self._cleanup(created, username)
            raise LaunchError(f"Image {image} for user {username} took too long to launch", 500) from None
        except (UserFacingError, asyncio.CancelledError, Exception):
            await self._cleanup(created, username)
            raise
        url = f"{self.hub_url.rstrip('/')}/user/{quote(username, safe='@~')}/"
        if server_name:
            url += f"{server_name}/"
        return {"image": image, "repo_url": repo_url, "token": token, **extra, "url": url}

    async def _check_room(self, username: str, server_name: str) -> None:
        """Auth mode: refuse (409, upstream's messages) when the user has no room for this server."""
        response = await self.api_request(f"users/{quote(username, safe='@~')}")
        if response.code != 200:
            raise LaunchError(f"Failed to look up user {username} on the hub (HTTP {response.code})", 500)
        servers = json.loads(response.body).get("servers") or {}
        if not server_name and "" in servers:
            raise UserFacingError(f"User {username} already has a running server.", 409)
        named = [name for name in servers if name]
        if server_name and self.named_server_limit_per_user > 0 and len(named) >= self.named_server_limit_per_user:
            raise UserFacingError(
                f"User {username} already has the maximum of {self.named_server_limit_per_user} named servers."
                "  One must be deleted before a new server can be created",
                409,
            )

    async def _cleanup(self, created: bool, username: str) -> None:
        if created:
            # shielded: a cancelled request must still not leak the user it created
            await asyncio.shield(asyncio.ensure_future(self.delete_user(username)))


def _hub_message(response: HTTPResponse) -> str:
    try:
        return str(json.loads(response.body).get("message", ""))[:300]
    except (ValueError, AttributeError, TypeError):
        return ""
