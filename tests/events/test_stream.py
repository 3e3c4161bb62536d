"""The event stream's framing, Accept parsing and keepalives, through a real HTTP server."""

import asyncio

import pytest
import tornado.web
from tornado.httpserver import HTTPServer

from binderd.events import EventStream, failed, ready
from binderd.handlers.build import accepts_event_stream
from tests.fixtures.procs import free_port
from tests.fixtures.sse import read_stream


@pytest.mark.parametrize(
    "accept, ok",
    [
        ("text/event-stream", True),
        ("text/event-stream, */*", True),
        ("*/*, text/event-stream;q=0.5", True),
        ("TEXT/EVENT-STREAM", True),
        ("text/event-stream;q=0", False),
        ("", False),
        ("*/*", False),
        ("text/html, application/json", False),
    ],
)
def test_accept_parsing(accept, ok):
    assert accepts_event_stream(accept) is ok


class SlowHandler(tornado.web.RequestHandler):
    async def get(self):
        stream = EventStream(self, keepalive_interval=0.2)
        stream.open()
        await stream.send({"phase": "waiting", "message": "a\n"})
        await asyncio.sleep(0.7)
        await stream.send(failed("boom"))
        stream.close()


async def test_frames_and_keepalives():
    port = free_port()
    server = HTTPServer(tornado.web.Application([(r"/", SlowHandler)]))
    server.listen(port, "127.0.0.1")
    try:
        stream = await read_stream(f"http://127.0.0.1:{port}/")
    finally:
        server.stop()
    assert stream.headers["Content-Type"] == "text/event-stream"
    assert stream.headers["Cache-Control"] == "no-cache"
    assert stream.events == [{"phase": "waiting", "message": "a\n"}, {"phase": "failed", "message": "boom\n"}]
    assert 2 <= len(stream.comments) <= 4 and set(stream.comments) == {":keepalive"}
    assert stream.raw.startswith('data: {"phase": "waiting"')


def test_ready_key_order_is_upstreams():
    fields = {"url": "u/", "token": "t", "image": "i", "repo_url": "r", "binder_client_ip": "ip",
              "binder_ref_url": "ru", "binder_launch_host": "h", "binder_request": "q", "binder_persistent_request": "p"}
    event = ready(fields)
    assert list(event) == ["phase", "message", "image", "repo_url", "token", "binder_ref_url", "binder_launch_host",
                           "binder_request", "binder_persistent_request", "binder_client_ip", "url"]
    assert event["message"] == "server running at u/\n"


def test_failed_status_code_only_when_given():
    assert failed("x") == {"phase": "failed", "message": "x\n"}
    assert failed("x\n", 400) == {"phase": "failed", "message": "x\n", "status_code": 400}
