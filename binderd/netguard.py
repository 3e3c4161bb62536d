"""Refuse outbound requests to addresses a user-supplied URL must not reach.

A Binder link names a host that binderd then contacts (git ls-remote, the
build's clone). Without a check, a link could make binderd probe the cloud
metadata service or the operator's private network. Link-local and metadata
addresses are always refused; loopback and private networks only when the
operator has not allowed them (e.g. a local git server).

The address checked must be the address used: `check_host` returns the
addresses it accepted, and callers connect to those (`PinnedResolver` for
tornado clients, `git_pins` for git's own connections) instead of looking the
name up again, when a second answer could differ (DNS rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from tornado.netutil import Resolver

from binderd.errors import SpecError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata endpoints outside the link-local ranges.
_METADATA = [ipaddress.ip_network("fd00:ec2::254/128")]


def parse_networks(cidrs: Iterable[str]) -> list[IPNetwork]:
    """Parse CIDR strings (e.g. "127.0.0.0/8"), raising ValueError naming a bad one."""
    return [ipaddress.ip_network(c, strict=False) for c in cidrs]


def refusal(address: IPAddress, allowed: list[IPNetwork]) -> str | None:
    """Why `address` must not be contacted, or None if it may be."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_link_local or any(address in net for net in _METADATA):
        return "a link-local or cloud metadata address"
    if any(address in net for net in allowed):
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return "a reserved address"
    if address.is_private or not address.is_global:
        return "a private network address"
    return None


async def check_host(host: str, allowed: list[IPNetwork], what: str = "URL") -> list[IPAddress]:
    """Resolve `host` (without blocking the loop), refuse forbidden addresses; the accepted ones."""
    host = host.strip("[]")
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), timeout=10
            )
        except (OSError, asyncio.TimeoutError) as e:
            raise SpecError(f"Could not resolve the host {host!r} of the {what}: {e}") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        why = refusal(address, allowed)
        if why:
            raise SpecError(
                f"The {what} points at {host} ({address}), {why}; "
                "binderd does not fetch from there."
            )
    return list(dict.fromkeys(addresses))


class PinnedResolver(Resolver):
    """A tornado resolver that answers only with addresses already checked, whatever the name."""

    def initialize(self, addresses: list[IPAddress]) -> None:
        self.addresses = addresses

    async def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[tuple[int, Any]]:
        return [
            (socket.AF_INET6 if a.version == 6 else socket.AF_INET, (str(a), port))
            for a in self.addresses
            if family == socket.AF_UNSPEC or family == (socket.AF_INET6 if a.version == 6 else socket.AF_INET)
        ]


def git_pins(url: str, addresses: list[IPAddress]) -> list[tuple[str, str]]:
    """git configuration (key, value) pairs that make git connect to `addresses` for `url`'s host.

    http(s): curl's resolve list (http.curloptResolve); git://: the URL rewritten to the
    address. ssh is not pinned (ssh resolves by itself).
    """
    parts = urlsplit(url)
    if not addresses or not parts.hostname:
        return []
    host = parts.hostname
    if parts.scheme in ("http", "https"):
        http_port = parts.port or (443 if parts.scheme == "https" else 80)
        listed = ",".join(f"[{a}]" if a.version == 6 else str(a) for a in addresses)
        return [("http.curloptResolve", f"{host}:{http_port}:{listed}")]
    if parts.scheme == "git":
        a = addresses[0]
        netloc = f"[{a}]" if a.version == 6 else str(a)
        port = f":{parts.port}" if parts.port else ""
        return [(f"url.git://{netloc}{port}/.insteadOf", f"git://{parts.netloc}/")]
    return []
