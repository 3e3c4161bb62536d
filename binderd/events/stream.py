"""`EventStream`: server-sent events over a tornado RequestHandler, with keepalives."""

from __future__ import annotations

import asyncio
import json
import time

from tornado.iostream import StreamClosedError
from tornado.web import RequestHandler


class EventStream:
    """Writes `data: <json>\\n\\n` frames and a `:keepalive` comment when idle."""

    def __init__(self, handler: RequestHandler, keepalive_interval: float = 25):
        self.handler = handler
        self.keepalive_interval = keepalive_interval
        self.closed = False
        self._last_write = time.monotonic()
        self._keepalive: asyncio.Task | None = None
        self._lock = asyncio.Lock()
        self._gone = asyncio.Event()

    def open(self) -> None:
        """Send the headers; start the keepalive timer."""
        self.handler.set_header("Content-Type", "text/event-stream")
        self.handler.set_header("Cache-Control", "no-cache")
        self.handler.set_header("X-Accel-Buffering", "no")
        self._keepalive = asyncio.create_task(self._keep_alive())

    async def _write(self, chunk: str) -> None:
        if self.closed:
            return
        async with self._lock:
            try:
                self.handler.write(chunk)
                await self.handler.flush()
                self._last_write = time.monotonic()
            except StreamClosedError:
                self.client_gone()

    async def send(self, event: dict) -> None:
        """Send one event."""
        await self._write("data: " + json.dumps(event) + "\n\n")

    async def send_retry(self, milliseconds: int) -> None:
        """Set the client's reconnection delay (the SSE `retry` field)."""
        await self._write(f"retry: {int(milliseconds)}\n\n")

    def client_gone(self) -> None:
        """The client closed the connection: stop writing."""
        self.closed = True
        self._gone.set()

    async def linger(self, seconds: float) -> None:
        """Keep the stream open (with keepalives) for `seconds`, or until the client leaves."""
        if self.closed:
            return
        try:
            await asyncio.wait_for(self._gone.wait(), seconds)
        except TimeoutError:
            pass

    async def _keep_alive(self) -> None:
        while not self.closed:
            idle = time.monotonic() - self._last_write
            if idle >= self.keepalive_interval:
                await self._write(":keepalive\n\n")
                idle = 0
            await asyncio.sleep(self.keepalive_interval - idle)

    def close(self) -> None:
        """Stop the keepalives (the handler finishes the response)."""
        self.closed = True
        if self._keepalive:
            self._keepalive.cancel()
