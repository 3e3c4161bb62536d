"""`BinderSpawner`: the one-machine binder spawner (used in jupyterhub_config.py).

The launch protocol itself (token, image, BINDER_* environment, CORS, auth mode)
is `binderd.launch.mixin.BinderSpawnerMixin`. This module owns what a
one-machine install adds on top of DockerSpawner: host networking on loopback
with a free port, and an optional CA bundle for hosts behind a TLS-intercepting
proxy. The Kubernetes counterpart is `binderd.launch.kubespawner`.
"""

from __future__ import annotations

from dockerspawner import DockerSpawner
from jupyterhub.utils import random_port
from traitlets import Unicode, default

from binderd.launch.mixin import CA_BUNDLE_PATH, CA_BUNDLE_VARS, BinderSpawnerMixin


class BinderSpawner(BinderSpawnerMixin, DockerSpawner):
    """DockerSpawner that launches the image and token binderd asks for."""

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
        if self.host_network:
            self.port = random_port()
        return await super().start()

    def binder_listen_ip(self) -> str:
        if self.server_ip:
            return self.server_ip
        return self.host_ip if self.host_network else "0.0.0.0"

    def get_env(self):
        env = super().get_env()
        if self.ca_bundle:
            for var in CA_BUNDLE_VARS:
                env[var] = CA_BUNDLE_PATH
        return env

    @default("volumes")
    def _default_volumes(self):
        if self.ca_bundle:
            return {self.ca_bundle: {"bind": CA_BUNDLE_PATH, "mode": "ro"}}
        return {}

    async def get_ip_and_port(self):
        if self.host_network:
            return self.host_ip, self.port
        return await super().get_ip_and_port()
