"""`GET /build/<provider>/<spec>`: the event stream that builds and launches.

Wire-compatible with upstream: always HTTP 200 with text/event-stream, every
error a `failed` event. Unlike upstream, the Accept header is parsed as a list
and the stream closes after `failed`.
"""

from __future__ import annotations

import asyncio

from binderd import events
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

    def initialize(self) -> None:
        self.stream: EventStream | None = None
        self.task: asyncio.Task | None = None

    def raw_spec(self, prefix: str) -> str:
        """The spec exactly as in the URL (tornado would unquote %2F in path arguments)."""
        path = self.request.path
        marker = f"build/{prefix}/"
        return path[path.index(marker) + len(marker) :]

    async def get(self, prefix: str, _spec: str) -> None:
        self.stream = EventStream(self, self.binder.keepalive_interval)
        self.stream.open()
        if not accepts_event_stream(self.request.headers.get("Accept", "")):
            await self.stream.send(events.failed("Missing Accept header: text/event-stream", 400))
            self.stream.close()
            return
        spec = self.raw_spec(prefix).rstrip("/")
        request = LaunchRequest(
            provider_prefix=prefix,
            spec=spec,
            launch_host=self.binder.launch_host(self.request),
            client_ip=self.request.remote_ip or "",
        )
        self.task = asyncio.create_task(self.binder.pipeline.run(request, self.stream.send))
        try:
            await self.task
        except asyncio.CancelledError:
            pass
        finally:
            self.stream.close()

    def on_connection_close(self) -> None:
        # Stops this watcher only: a shared build runs on for the others.
        if self.stream:
            self.stream.closed = True
        if self.task and not self.task.done():
            self.task.cancel()


