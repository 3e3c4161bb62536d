"""`GET /build/<provider>/<spec>`: the event stream that builds and launches.

Wire-compatible with upstream: always HTTP 200 with text/event-stream, every
error a `failed` event. Before the pipeline runs, the request passes upstream's
checks in upstream's order: banned network and login (in `prepare`), Accept
header, build token, rate limit. Unlike upstream, the Accept header is parsed
as a list and the stream closes after `failed`. After `ready` the stream tells
EventSource clients not to reconnect (the SSE `retry` field), so a client that
does not close on `ready` never starts a second launch.
"""

from __future__ import annotations

import asyncio
import json

from binderd import events
from binderd.access import BuildTokenError, RateLimited
from binderd.events import EventStream
from binderd.handlers.base import BaseHandler
from binderd.pipeline import LaunchRequest


def accepts_event_stream(accept: str) -> bool:
    """True if an Accept header lists text/event-stream (with a non-zero q)."""
    for item in accept.split(","):
        media, *params = [p.strip() for p in item.split(";")]
        if media.lower() != "text/event-stream":
            continue
        q = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
        try:
            if float(q) > 0:
                return True
        except ValueError:
            return True
    return False


class BuildHandler(BaseHandler):
    """Streams one launch's events to the client."""

    redirect_to_login = False  # an event stream cannot follow a login page: 403 instead

    def initialize(self) -> None:
        self.stream: EventStream | None = None
        self.task: asyncio.Task | None = None

    def refuse(self, status: int, message: str) -> None:
        """Refusals are `failed` events on an HTTP 200 event stream, as upstream sends them."""
        self.set_header("Content-Type", "text/event-stream")
        self.set_header("Cache-Control", "no-cache")
        self.finish("data: " + json.dumps(events.failed(message, status)) + "\n\n")

    def check_build_token(self, prefix: str, raw_spec: str) -> bool:
        """True for a valid build token, False for none; refuses (403) an invalid one."""
        token = self.get_argument("build_token", None)
        if not token:
            return False
        try:
            claims = self.binder.build_tokens.decode(token, f"{prefix}/{raw_spec}")
        except BuildTokenError as e:
            self.binder.log.debug("Build token refused for %s/%s: %s", prefix, raw_spec, e)
            self.refuse(403, "Invalid build token")
            return False
        if claims.get("origin") != self.token_origin():
            if self.binder.build_token_check_origin:
                self.refuse(403, "Invalid build token")
                return False
            self.binder.log.error("Build token origin %r is not the request's %r", claims.get("origin"),
                                  self.token_origin())
        return True

    def check_rate_limit(self) -> None:
        """Count this request against its client IP's window; refuse (429) when it is used up."""
        try:
            state = self.binder.rate_limiter.increment(self.request.remote_ip or "")
        except RateLimited as e:
            self.refuse(429, str(e))
            return
        self.set_header("x-ratelimit-remaining", str(state.remaining))
        self.set_header("x-ratelimit-reset", str(int(state.reset)))
        self.set_header("x-ratelimit-limit", str(state.limit))

    def launch_request(self, prefix: str, spec: str, build_token: bool) -> LaunchRequest:
        """The pipeline's view of this request."""
        headers = self.request.headers
        user = self.current_user if self.binder.auth_enabled else None
        return LaunchRequest(
            provider_prefix=prefix,
            spec=spec,
            launch_host=self.binder.launch_host(self.request),
            client_ip=self.request.remote_ip or "",
            build_only=self.get_argument("build_only", "").lower() == "true",
            username=user["name"] if isinstance(user, dict) else "",
            build_token=build_token,
            origin=self.binder.normalized_origin or self.request.host,
            request_origin=headers.get("Origin") or headers.get("Sec-Fetch-Site") or "",
        )

    async def get(self, prefix: str, _spec: str) -> None:
        if not accepts_event_stream(self.request.headers.get("Accept", "")):
            return self.refuse(400, "Missing Accept header: text/event-stream")
        raw_spec = self.raw_spec("build", prefix)
        build_token = self.check_build_token(prefix, raw_spec)
        if self._finished:
            return None
        logged_in = self.binder.auth_enabled and bool(self.current_user)
        if self.binder.rate_limiter.limit and not logged_in and not build_token:
            self.check_rate_limit()
            if self._finished:
                return None
        request = self.launch_request(prefix, raw_spec.rstrip("/"), build_token)
        self.stream = EventStream(self, self.binder.keepalive_interval)
        self.stream.open()
        self.task = asyncio.create_task(self.binder.pipeline.run(request, self.stream.send))
        try:
            if await self.task:
                # An EventSource reconnects when a stream ends: tell it to wait a day instead.
                await self.stream.send_retry(self.binder.ready_retry_ms)
                if self.binder.ready_linger_seconds:
                    await self.stream.linger(self.binder.ready_linger_seconds)
        except asyncio.CancelledError:
            pass
        finally:
            self.stream.close()
        return None

    def on_connection_close(self) -> None:
        # Stops this watcher only: a shared build runs on for the others.
        if self.stream:
            self.stream.client_gone()
        if self.task and not self.task.done():
            self.task.cancel()
