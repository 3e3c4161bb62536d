"""The network that contains user servers on one machine, and its firewall.

User servers of the one-machine install run on their own Docker bridge network.
This module owns creating that network (no traffic between its containers) and
the iptables rules that keep a notebook away from the host and from link-local
and cloud metadata addresses:

- INPUT from the network's bridge: only replies to connections the host opened
  (the hub and proxy talking to the server) and explicitly allowed ports; every
  other packet to any of the host's addresses is dropped, so services on the
  host (binderd, the hub API, a registry, the metadata service of a VM) are out
  of reach whatever address they listen on.
- FORWARD (Docker's DOCKER-USER chain) from the bridge to the blocked networks
  (link-local and metadata by default) is dropped; the rest of the internet
  stays reachable through Docker's masquerading.

The rules live in a chain of their own per bridge, rebuilt on each call, so the
call is idempotent and several hubs on one engine can share the network.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

# link-local (169.254.169.254 is the metadata service of most clouds) and Alibaba's metadata address
DEFAULT_BLOCKED = ("169.254.0.0/16", "100.100.100.200/32")

BRIDGE_NAME_OPTION = "com.docker.network.bridge.name"


class ContainmentError(RuntimeError):
    """The network or its firewall could not be set up; user servers must not start uncontained."""


@dataclass(frozen=True)
class Network:
    """A user network as the engine reports it."""

    name: str
    bridge: str  # the host-side interface of the bridge
    subnets: tuple[str, ...]
    gateways: tuple[str, ...]


def bridge_of(info: dict) -> Network:
    """The Network for `docker network inspect` output."""
    options = info.get("Options") or {}
    bridge = options.get(BRIDGE_NAME_OPTION) or "br-" + info["Id"][:12]
    configs = (info.get("IPAM") or {}).get("Config") or []
    return Network(
        info["Name"],
        bridge,
        tuple(c["Subnet"] for c in configs if c.get("Subnet")),
        tuple(c["Gateway"] for c in configs if c.get("Gateway")),
    )


def network_options(name: str) -> dict[str, str]:
    """Driver options of a user network: no container-to-container traffic, a predictable bridge name."""
    bridge = ("bd-" + name)[:15]  # interface names have at most 15 characters
    return {BRIDGE_NAME_OPTION: bridge, "com.docker.network.bridge.enable_icc": "false"}


DockerCall = Callable[..., Awaitable]


async def ensure_network(call: DockerCall, name: str) -> Network:
    """The network `name`, created (bridge, no inter-container traffic) when it does not exist.

    `call(method, *args, **kwargs)` calls docker-py's APIClient off the event loop
    (DockerSpawner.docker).
    """
    import docker.errors  # only hubs with DockerSpawner have docker-py

    try:
        return bridge_of(await call("inspect_network", name))
    except docker.errors.NotFound:
        pass
    try:
        await call("create_network", name, driver="bridge", options=network_options(name), check_duplicate=True)
    except docker.errors.APIError as e:
        if e.status_code != 409:  # another hub created it first
            raise ContainmentError(f"Cannot create the Docker network {name}: {e.explanation}") from None
    return bridge_of(await call("inspect_network", name))


def firewall_rules(net: Network, blocked: Sequence[str], open_ports: Sequence[int]) -> list[list[str]]:
    """iptables argument lists (without `iptables -w`) that contain `net`, in order."""
    chain = ("BD-" + net.bridge)[:28]  # chain names have at most 28 characters
    rules = [["-N", chain], ["-F", chain],
             [*("-A", chain), *("-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED"), "-j", "RETURN"]]
    rules += [["-A", chain, "-p", "tcp", "--dport", str(port), "-j", "RETURN"] for port in open_ports]
    rules.append(["-A", chain, "-j", "DROP"])
    forward = "BDF-" + net.bridge
    rules += [["-N", forward[:28]], ["-F", forward[:28]]]
    for cidr in blocked:
        if isinstance(ipaddress.ip_network(cidr, strict=False), ipaddress.IPv4Network):
            rules.append(["-A", forward[:28], "-d", cidr, "-j", "DROP"])
    rules += [["-A", forward[:28], "-j", "RETURN"]]
    # the jumps go first in their chains, once
    rules += [["-I", "INPUT", "-i", net.bridge, "-j", chain],
              ["-I", "DOCKER-USER", "-i", net.bridge, "-j", forward[:28]]]
    return rules


async def _iptables(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "iptables", "-w", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode(errors="replace").strip()


async def apply_firewall(net: Network, blocked: Sequence[str], open_ports: Sequence[int] = ()) -> None:
    """Install (or refresh) the rules of firewall_rules; ContainmentError when iptables refuses."""
    for rule in firewall_rules(net, blocked, open_ports):
        try:
            if rule[0] == "-I" and (await _iptables("-C", *rule[1:]))[0] == 0:
                continue  # the jump is there already
            code, out = await _iptables(*rule)
        except OSError as e:
            raise ContainmentError(f"Cannot run iptables to contain user servers: {e}") from None
        if code and rule[0] != "-N":  # "chain already exists" is fine
            raise ContainmentError(f"iptables {' '.join(rule)} failed: {out}")
