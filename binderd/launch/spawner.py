"""`BinderSpawner`: the JupyterHub side of a launch (used in jupyterhub_config.py).

It does what upstream's BinderSpawnerMixin does: take the image and token from
the launch request's user_options, start the server with that token, and put the
BINDER_* variables in its environment. It builds on DockerSpawner and adds what
a one-machine install needs: host networking on loopback with a free port, and
an optional CA bundle for hosts behind a TLS-intercepting proxy.
"""

from __future__ import annotations

from dockerspawner import DockerSpawner
from jupyterhub.utils import random_port
from tornado import web
from traitlets import Bool, Unicode, default

BINDER_ENV = [
    "binder_ref_url",
    "binder_launch_host",
    "binder_persistent_request",
    "binder_request",
    "binder_client_ip",
]

# Start the best Jupyter server the image has, like upstream's Helm chart does.
SERVER_PICKER = (
    "import os, shutil, sys\n"
    "for exe in ('jupyter-lab', 'jupyter-notebook', 'jupyter-server'):\n"
    "    if shutil.which(exe):\n"
    "        os.execvp(exe, [exe] + sys.argv[1:])\n"
    "sys.exit('binderd: no jupyter-lab, jupyter-notebook or jupyter-server in this image')\n"
)


class BinderSpawner(DockerSpawner):
    """DockerSpawner that launches the image and token binderd asks for."""

    auth_enabled = Bool(
        False,
        help="True when users log in (binderd's auth mode); then the server is a normal singleuser server.",
    ).tag(config=True)

    cors_allow_origin = Unicode("", help="Access-Control-Allow-Origin for the user's server.").tag(config=True)

    ca_bundle = Unicode(
        "",
        help="""Host path of a CA bundle to mount read-only into user containers and point
        SSL_CERT_FILE, REQUESTS_CA_BUNDLE and PIP_CERT at, for hosts whose outbound TLS
        goes through an intercepting proxy. Empty: nothing is mounted.""",
    ).tag(config=True)

    server_ip = Unicode(
        "",
        help="Address the Jupyter server listens on. Default: host_ip on host networking, else 0.0.0.0.",
    ).tag(config=True)

    @default("apply_user_options")
    def _default_apply_user_options(self):
        # binderd's launch request carries image, token, repo_url and binder_* keys
        return lambda spawner, options: None

    @default("cmd")
    def _default_cmd(self):
        return ["python3", "-c", SERVER_PICKER]

    @default("remove")
    def _default_remove(self):
        return True

    @default("allowed_images")
    def _default_allowed_images(self):
        return "*"

    @default("use_internal_ip")
    def _default_use_internal_ip(self):
        # with host networking there are no port bindings; get_ip_and_port answers instead
        return self.network_name not in {"bridge"}

    @property
    def host_network(self) -> bool:
        return self.network_name == "host"

    async def start(self):
        if not self.auth_enabled:
            options = self.user_options or {}
            if not options.get("token"):
                raise web.HTTPError(400, "token required")
            if not options.get("image"):
                raise web.HTTPError(400, "image required")
        if (self.user_options or {}).get("image"):
            self.image = self.user_options["image"]
        if self.host_network:
            self.port = random_port()
        return await super().start()

    def _listen_ip(self) -> str:
        if self.server_ip:
            return self.server_ip
        return self.host_ip if self.host_network else "0.0.0.0"

    def get_args(self):
        if self.auth_enabled:
            return super().get_args()
        args = [
            f"--ip={self._listen_ip()}",
            f"--port={self.port}",
            f"--ServerApp.base_url={self.server.base_url}",
            f"--ServerApp.token={self.user_options['token']}",
            "--ServerApp.trust_xheaders=True",
        ]
        if self.default_url:
            args.append(f"--ServerApp.default_url={self.default_url}")
        if self.cors_allow_origin:
            args.append(f"--ServerApp.allow_origin={self.cors_allow_origin}")
            if self.cors_allow_origin == "*":
                args.append("--ServerApp.allow_origin_pat=.*")
        return args + list(self.args)

    def get_env(self):
        env = super().get_env()
        options = self.user_options or {}
        if "repo_url" in options:
            env["BINDER_REPO_URL"] = options["repo_url"]
        for key in BINDER_ENV:
            if key in options:
                env[key.upper()] = options[key]
        if self.ca_bundle:
            for var in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT"):
                env[var] = "/etc/binderd/ca-bundle.crt"
        return env

    @default("volumes")
    def _default_volumes(self):
        if self.ca_bundle:
            return {self.ca_bundle: {"bind": "/etc/binderd/ca-bundle.crt", "mode": "ro"}}
        return {}

    async def get_ip_and_port(self):
        if self.host_network:
            return self.host_ip, self.port
        return await super().get_ip_and_port()
