"""Write the JupyterHub configuration for binderd on one machine.

Used by `binderd local` (the quick start) and by the test suite, so both run the
same hub set-up: configurable-http-proxy in front, BinderSpawner starting user
containers on the local Docker engine, and binderd registered as a service whose
token may create and delete users and start their servers.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field


@dataclass
class HubSettings:
    """What differs between one machine's hub and another's."""

    directory: str  # database, cookie secret and pid file live here
    api_token: str  # binderd's service token
    proxy_port: int = 8000  # the public URL users open: http://<ip>:<proxy_port>/
    proxy_api_port: int = 8001
    hub_port: int = 8081
    ip: str = "127.0.0.1"
    chp_command: str = "configurable-http-proxy"
    container_prefix: str = "binderd"  # user containers are named <prefix>-<user>
    network: str = "host"  # host networking: user servers listen on `ip`
    ca_bundle: str = ""  # mounted into user containers (TLS-intercepting proxies)
    cull_timeout: int = 3600  # idle seconds before a temporary user and its server go (0: never)
    cull_every: int = 60  # how often the culler looks
    extra: list[str] = field(default_factory=list)  # extra config lines


def render(s: HubSettings) -> str:
    """The jupyterhub_config.py text for these settings."""
    lines = [
        "# Written by binderd (binderd.launch.hubconfig); regenerated on each start.",
        f"c.JupyterHub.ip = {s.ip!r}",
        f"c.JupyterHub.port = {s.proxy_port}",
        f"c.JupyterHub.hub_ip = {s.ip!r}",
        f"c.JupyterHub.hub_port = {s.hub_port}",
        f"c.ConfigurableHTTPProxy.api_url = 'http://{s.ip}:{s.proxy_api_port}'",
        f"c.ConfigurableHTTPProxy.command = [{s.chp_command!r}]",
        f"c.JupyterHub.db_url = 'sqlite:///' + {os.path.join(s.directory, 'jupyterhub.sqlite')!r}",
        f"c.JupyterHub.cookie_secret_file = {os.path.join(s.directory, 'cookie_secret')!r}",
        f"c.JupyterHub.pid_file = {os.path.join(s.directory, 'jupyterhub.pid')!r}",
        "c.JupyterHub.cleanup_servers = True",
        "c.JupyterHub.authenticator_class = 'null'",
        "c.JupyterHub.spawner_class = 'binderd.launch.spawner.BinderSpawner'",
        "c.JupyterHub.tornado_settings = {'slow_spawn_timeout': 0}",
        f"c.DockerSpawner.network_name = {s.network!r}",
        f"c.DockerSpawner.host_ip = {s.ip!r}",
        f"c.DockerSpawner.prefix = {s.container_prefix!r}",
        "c.Spawner.start_timeout = 120",
        "c.Spawner.http_timeout = 60",
        f"c.BinderSpawner.ca_bundle = {s.ca_bundle!r}",
        f"c.JupyterHub.services = [{{'name': 'binder', 'api_token': {s.api_token!r}}}]",
        "c.JupyterHub.load_roles = [{",
        "    'name': 'binder',",
        "    'services': ['binder'],",
        "    'scopes': ['admin:users', 'admin:servers', 'read:users'],",
        "}]",
        *_culler(s),
        *s.extra,
    ]
    return "\n".join(lines) + "\n"


def _culler(s: HubSettings) -> list[str]:
    """jupyterhub-idle-culler as a hub service: idle temporary users and servers are removed."""
    if not s.cull_timeout:
        return []
    command = [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={s.cull_timeout}",
               f"--cull-every={s.cull_every}", "--cull-users=True"]
    return [
        f"c.JupyterHub.services.append({{'name': 'idle-culler', 'command': {command!r}}})",
        "c.JupyterHub.load_roles.append({",
        "    'name': 'idle-culler',",
        "    'services': ['idle-culler'],",
        "    'scopes': ['list:users', 'read:users:activity', 'read:servers', 'delete:servers', 'admin:users'],",
        "})",
    ]


def write(s: HubSettings) -> str:
    """Write jupyterhub_config.py into s.directory (mode 0600: it holds a token); return its path."""
    os.makedirs(s.directory, exist_ok=True)
    path = os.path.join(s.directory, "jupyterhub_config.py")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(render(s))
    return path
