"""Write the JupyterHub configuration binderd needs, for one machine and for Kubernetes.

`render`/`write`: the one-machine hub, used by `binderd local` (the quick start)
and by the test suite, so both run the same hub set-up: configurable-http-proxy
in front, BinderSpawner starting contained user containers (a Docker network of
their own behind a firewall) on the local Docker engine, and
binderd registered as a service whose token may create and delete users and
start their servers.

`render_z2jh`: the same hub as zero-to-jupyterhub chart values (the `jupyterhub:`
section of a binder chart). That hub's image lacks binderd, so the spawner
travels as source text in `hub.extraConfig`, which the chart runs in key order.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from dataclasses import dataclass, field

from binderd.launch.mixin import SERVER_PICKER_CMD

# what binderd's Launcher does with its token: create and delete users, start,
# stop and follow their servers
BINDER_SCOPES = ["admin:users", "admin:servers", "read:users"]


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
    network: str = "binderd-users"  # contained user network ("host": user servers listen on `ip`)
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
        f"    'scopes': {BINDER_SCOPES!r},",
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


# --- zero-to-jupyterhub ------------------------------------------------------------------------

@dataclass(frozen=True)
class Z2jhSettings:
    """What binderd decides in a z2jh hub's values."""

    api_token: str = ""  # binderd's service token; empty: the chart generates one
    auth_enabled: bool = False  # users log in (BinderHub.auth_enabled)
    cors_allow_origin: str = ""  # Access-Control-Allow-Origin of user servers
    registry: str = ""  # host of a private registry user images are pulled from
    registry_username: str = ""
    registry_password: str = ""
    cull_timeout: int = 3600  # idle seconds before a temporary user and its server go (0: never)


def _module_source(name: str) -> str:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ImportError(f"no source for {name}")
    with open(spec.origin, encoding="utf-8") as f:
        return f.read()


def kube_spawner_snippet() -> str:
    """Python defining `BinderSpawner` (mixin + KubeSpawner) and making it the hub's spawner.

    It is `binderd.launch.kubespawner.BinderKubeSpawner`'s own source under the
    name upstream's chart uses, so `hub.config.BinderSpawner.*` options apply.
    It expects the mixin snippet to have run first in the same namespace.
    """
    module = _module_source("binderd.launch.kubespawner")
    [node] = [n for n in ast.parse(module).body if isinstance(n, ast.ClassDef) and n.name == "BinderKubeSpawner"]
    source = (ast.get_source_segment(module, node) or "").replace("class BinderKubeSpawner(", "class BinderSpawner(", 1)
    return "\n".join([
        "# Written by binderd (binderd.launch.hubconfig): the binder spawner for KubeSpawner.",
        "from kubespawner import KubeSpawner",
        "from traitlets import Unicode",
        "",
        "",
        source,
        "",
        "",
        "c.JupyterHub.spawner_class = BinderSpawner",
        "",
    ])


def z2jh_extra_config() -> dict[str, str]:
    """The `hub.extraConfig` snippets: the mixin module's source, then the KubeSpawner subclass."""
    return {
        "0-binderspawnermixin": _module_source("binderd.launch.mixin"),
        "00-binder": kube_spawner_snippet(),
    }


def render_z2jh(s: Z2jhSettings) -> dict:
    """The z2jh chart values (the `jupyterhub:` mapping) for a hub binderd launches through."""
    binder_service: dict = {"display": False}
    if s.api_token:
        binder_service["apiToken"] = s.api_token
    hub_config: dict = {"BinderSpawner": {"auth_enabled": s.auth_enabled, "cors_allow_origin": s.cors_allow_origin}}
    if not s.auth_enabled:
        hub_config["JupyterHub"] = {"authenticator_class": "null"}
    values: dict = {
        "hub": {
            "config": hub_config,
            "services": {"binder": binder_service},
            "loadRoles": {"binder": {"services": ["binder"], "scopes": list(BINDER_SCOPES)}},
            "extraConfig": z2jh_extra_config(),
        },
        "singleuser": {
            "cmd": ["jupyterhub-singleuser"] if s.auth_enabled else list(SERVER_PICKER_CMD),
            "storage": {"type": "none"},
            "memory": {"guarantee": None},
        },
        "cull": {"enabled": bool(s.cull_timeout), "users": not s.auth_enabled},
    }
    if s.cull_timeout:
        values["cull"]["timeout"] = s.cull_timeout
    if s.registry and s.registry_username:
        # the chart turns this into a pull secret that every user pod gets (image_pull_secrets)
        values["imagePullSecret"] = {"create": True, "registry": s.registry,
                                     "username": s.registry_username, "password": s.registry_password}
    return values
