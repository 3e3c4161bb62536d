"""`BinderSpawnerMixin`: what makes any JupyterHub spawner a binder spawner.

This module owns the hub side of binderd's launch protocol. binderd's launch
request (`POST /hub/api/users/<name>/servers/`) carries the flat `user_options`
`{image, token, repo_url, binder_ref_url, binder_launch_host, binder_request,
binder_persistent_request, binder_client_ip}`; the mixin refuses a start
without a token or image (HTTP 400), runs the requested image, starts the
Jupyter server with the requested token and puts the `BINDER_*` variables in
its environment. The token travels in the environment (`JUPYTER_TOKEN`, which
Jupyter servers read), never on the command line, where `ps` shows it. With `auth_enabled` the server is an ordinary
jupyterhub-singleuser server and only the image and environment apply.

Prompt readiness: `start()` returns only once the new server answers HTTP (a
short fixed poll, `ready_poll_interval`), so the hub's own check, which backs
off exponentially, succeeds at its first attempt instead of noticing a running
server up to seconds late.

The module is self-contained on purpose: it imports only the standard library,
tornado and traitlets, so a hub that does not have binderd installed (the
zero-to-jupyterhub hub image) can run its source text as a configuration
snippet. Mix it in before the spawner class:
`class BinderSpawner(BinderSpawnerMixin, KubeSpawner)`.
"""

import asyncio
import inspect
from collections.abc import Awaitable

from tornado import web
from tornado.httpclient import AsyncHTTPClient
from traitlets import Bool, Float, Unicode, default
from traitlets.config import Configurable

# user_options keys copied into the server's environment, upper-cased
BINDER_ENV = (
    "binder_ref_url",
    "binder_launch_host",
    "binder_persistent_request",
    "binder_request",
    "binder_client_ip",
)

# The user server's command: run `python3 -c SERVER_PICKER <args>` and the first
# Jupyter front end the image has is exec'd with the spawner's arguments.
SERVER_PICKER = (
    "import os, shutil, sys\n"
    "for exe in ('jupyter-lab', 'jupyter-notebook', 'jupyter-server'):\n"
    "    if shutil.which(exe):\n"
    "        os.execvp(exe, [exe] + sys.argv[1:])\n"
    "sys.exit('binderd: no jupyter-lab, jupyter-notebook or jupyter-server in this image')\n"
)
SERVER_PICKER_CMD = ["python3", "-c", SERVER_PICKER]

# Where the spawners put an optional CA bundle inside user servers (for outbound
# TLS through an intercepting proxy), and the variables they point at it.
CA_BUNDLE_PATH = "/etc/binderd/ca-bundle.crt"
CA_BUNDLE_VARS = ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT")


class BinderSpawnerMixin(Configurable):
    """Launch the image and token a binder launch request asks for (mix in before a Spawner)."""

    auth_enabled = Bool(
        False,
        help="""True when binder users log in to the hub (BinderHub.auth_enabled). Then the
        server is a normal jupyterhub-singleuser server and no token is required in
        user_options; False (anonymous binder): every start must carry `token` and `image`.""",
    ).tag(config=True)

    cors_allow_origin = Unicode(
        "",
        help="""Access-Control-Allow-Origin of the user's Jupyter server (`*` also allows
        every origin pattern). Empty: the server's own default (same origin only).""",
    ).tag(config=True)

    ready_poll_interval = Float(
        0.05,
        help="""Seconds between the spawner's own checks, after the server process started, that
        the Jupyter server answers HTTP; start() returns at the first answer (or after
        http_timeout), so the hub's first readiness check succeeds. 0: return at once and leave
        the waiting to the hub's exponential backoff.""",
    ).tag(config=True)

    @default("apply_user_options")
    def _binder_default_apply_user_options(self):
        # the launch request's keys are consumed by start(), get_args() and get_env()
        return lambda spawner, options: None

    @default("cmd")
    def _binder_default_cmd(self):
        # logged-in users get the hub's own single-user server; anonymous ones the picker
        return ["jupyterhub-singleuser"] if self.auth_enabled else list(SERVER_PICKER_CMD)

    def check_user_options(self) -> dict:
        """The launch request's options; HTTP 400 when an anonymous launch lacks token or image."""
        options = self.user_options or {}
        if not self.auth_enabled:
            if not options.get("token"):
                raise web.HTTPError(400, "token required")
            if not options.get("image"):
                raise web.HTTPError(400, "image required")
        return options

    def start(self) -> Awaitable:
        """Check the launch request and set the image, start as the spawner class does, wait until up.

        Not a coroutine function: a refused request raises at the call, so the hub answers the
        start request itself with 400 instead of accepting it and failing the spawn later.
        """
        options = self.check_user_options()
        if options.get("image"):
            self.image = options["image"]
        return self._binder_start()

    async def _binder_start(self):
        started = super().start()
        if inspect.isawaitable(started):
            started = await started
        if self.ready_poll_interval > 0:
            await self.binder_wait_ready(started)
        return started

    def binder_ready_url(self, started) -> str:
        """The URL the hub will check: the server's base URL at the address start() returned."""
        if isinstance(started, (tuple, list)):
            ip, port = started
            started = f"http://{ip}:{port}"
        return str(started).rstrip("/") + self.server.base_url

    async def binder_wait_ready(self, started) -> None:
        """Poll the new server every ready_poll_interval seconds until it answers below 500.

        Gives up, without raising, after http_timeout seconds or when the server process
        has exited (checked about once a second): the hub's own check then reports it.
        """
        if getattr(self, "internal_ssl", False):
            return  # the hub's check holds the client certificate; leave it to the hub
        url = self.binder_ready_url(started)
        client = AsyncHTTPClient()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.http_timeout
        next_poll = loop.time()  # first after the first unanswered check, then once a second
        while loop.time() < deadline:
            try:
                response = await client.fetch(url, raise_error=False, follow_redirects=False,
                                               connect_timeout=1, request_timeout=5)
            except OSError:
                response = None
            if response is not None and response.code < 500:  # tornado reports no connection as 599
                return
            if loop.time() >= next_poll:
                status = self.poll()
                if inspect.isawaitable(status):
                    status = await status
                if status is not None:
                    return
                next_poll = loop.time() + 1
            await asyncio.sleep(self.ready_poll_interval)

    def binder_listen_ip(self) -> str:
        """The address the anonymous server listens on (all interfaces unless a subclass says otherwise)."""
        return "0.0.0.0"

    def get_args(self) -> list:
        if self.auth_enabled:
            return super().get_args()
        args = [
            f"--ip={self.binder_listen_ip()}",
            f"--port={self.port}",
            f"--ServerApp.base_url={self.server.base_url}",
            "--ServerApp.trust_xheaders=True",
        ]
        if self.default_url:
            args.append(f"--ServerApp.default_url={self.default_url}")
        if self.cors_allow_origin:
            args.append(f"--ServerApp.allow_origin={self.cors_allow_origin}")
            if self.cors_allow_origin == "*":
                args.append("--ServerApp.allow_origin_pat=.*")
        return args + list(self.args)

    def get_env(self) -> dict:
        env = super().get_env()
        options = self.user_options or {}
        if "repo_url" in options:
            env["BINDER_REPO_URL"] = str(options["repo_url"])
        for key in BINDER_ENV:
            if key in options:
                env[key.upper()] = str(options[key])
        if not self.auth_enabled and options.get("token"):
            # the server reads its token from here; argv would show it to every process
            env["JUPYTER_TOKEN"] = str(options["token"])
        return env
