"""`BinderSpawner`: the one-machine binder spawner (used in jupyterhub_config.py).

The launch protocol itself (token, image, BINDER_* environment, CORS, auth mode)
is `binderd.launch.mixin.BinderSpawnerMixin`. This module owns what a
one-machine install adds on top of DockerSpawner: containment (a network of
its own with a firewall, see `binderd.launch.containment`; memory, CPU and
process limits; no new privileges), host networking on loopback with a free
port when configured, and an optional CA bundle for hosts behind a
TLS-intercepting proxy. The Kubernetes counterpart is `binderd.launch.kubespawner`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable

from dockerspawner import DockerSpawner
from jupyterhub.utils import random_port
from traitlets import Bool, Integer, List, Unicode, default, validate

from binderd.launch import containment
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

    contain = Bool(
        True,
        help="""Set up the user network (network_name) and its firewall before the first start:
        containers cannot talk to each other, to any address of the host (binderd, the hub API,
        other local services) or to blocked_networks. Needs iptables and root. Ignored with
        network_name 'host' or 'bridge'.""",
    ).tag(config=True)

    blocked_networks = List(
        Unicode(),
        default_value=list(containment.DEFAULT_BLOCKED),
        help="""IPv4 networks user servers must not reach (link-local and cloud metadata by default);
        add private ranges of the host's LAN here.""",
    ).tag(config=True)

    host_open_ports = List(
        Integer(min=1, max=65535),
        help="""TCP ports of the host that user servers may reach (e.g. the hub API for servers that
        log in to the hub with auth_enabled). Default: none.""",
    ).tag(config=True)

    pids_limit = Integer(
        1024,
        min=0,
        help="Most processes and threads one user server may run (stops fork bombs); 0: no limit.",
    ).tag(config=True)

    no_new_privileges = Bool(
        True, help="Run user servers with no-new-privileges (setuid programs such as sudo cannot gain rights)."
    ).tag(config=True)

    @default("network_name")
    def _default_network_name(self):
        return "binderd-users"

    @default("mem_limit")
    def _default_mem_limit(self):
        return "2G"  # what mybinder.org gives each server

    @default("cpu_limit")
    def _default_cpu_limit(self):
        return 1.0

    @default("extra_host_config")
    def _default_extra_host_config(self):
        return self._contained_host_config({})

    @validate("extra_host_config")
    def _validate_extra_host_config(self, proposal):
        value = proposal.value
        return self._contained_host_config(dict(value)) if isinstance(value, dict) else value

    def _contained_host_config(self, config: dict) -> dict:
        """`config` plus the limits and security options, unless it sets them itself."""
        if self.pids_limit:
            config.setdefault("pids_limit", self.pids_limit)
        if self.no_new_privileges:
            config.setdefault("security_opt", ["no-new-privileges"])
        return config

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

    def start(self) -> Awaitable:
        """The mixin's checks run at the call (a refused launch is the hub's 400, not a failed
        spawn); the network is prepared before the container starts."""
        if self.host_network:
            self.port = random_port()
        started = super().start()
        return self._start_contained(started)

    async def _start_contained(self, started: Awaitable):
        try:
            if not self.host_network and self.contain and self.network_name != "bridge":
                net = await containment.ensure_network(self.docker, self.network_name)
                await containment.apply_firewall(net, self.blocked_networks, self.host_open_ports)
        except BaseException:
            if inspect.iscoroutine(started):
                started.close()  # never started: nothing to clean up
            raise
        return await started

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
