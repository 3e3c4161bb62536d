"""A basic-auth gate in front of the test git server, for the build image's credential test.

Smart-HTTP git servers in production sit behind HTTP authentication; this gate
answers 401 with a Basic challenge until a request carries the expected
credential, then relays the request to the real `git http-backend` server
(tests/fixtures/git_http.py) and its answer back. It records the credentials
it was offered so a test can tell what git sent.
"""

from __future__ import annotations

import base64
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

RELAYED_HEADERS = ("Content-Type", "Git-Protocol", "Content-Encoding", "Accept")


class BasicAuthGate:
    """Serves on 127.0.0.1:<port>; `with BasicAuthGate(...) as gate:` starts and stops it."""

    def __init__(self, upstream: str, username: str, password: str):
        self.upstream = upstream.rstrip("/")  # http://127.0.0.1:<git http port>
        self.expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.offered: list[str] = []
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def _relay(self):
                offered = self.headers.get("Authorization")
                if offered:
                    gate.offered.append(offered)
                if offered != gate.expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: self.headers[k] for k in RELAYED_HEADERS if self.headers.get(k)}
                request = urllib.request.Request(gate.upstream + self.path, data=body, headers=headers,
                                                 method=self.command)
                try:
                    with urllib.request.urlopen(request, timeout=30) as r:
                        status, reply_headers, payload = r.status, r.headers, r.read()
                except urllib.error.HTTPError as e:
                    status, reply_headers, payload = e.code, e.headers, e.read()
                self.send_response(status)
                for name in ("Content-Type", "Cache-Control"):
                    if reply_headers.get(name):
                        self.send_header(name, reply_headers[name])
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _relay

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "BasicAuthGate":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
