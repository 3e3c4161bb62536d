"""`ban_networks`: client networks refused with upstream's 403 message."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True)
class NetworkBans:
    """CIDR networks, each with the label the refusal names."""

    networks: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = ()

    @classmethod
    def parse(cls, config: dict[str, str]) -> NetworkBans:
        """From BinderHub.ban_networks ({"10.0.0.0/8": "a label"}); raises ValueError on a bad CIDR."""
        return cls(tuple((ipaddress.ip_network(cidr, strict=False), str(label)) for cidr, label in config.items()))

    def label_for(self, ip: str) -> str | None:
        """The label of the first banned network holding `ip`, or None."""
        if not self.networks or not ip:
            return None
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:a.b.c.d counts as a.b.c.d
        for network, label in self.networks:
            if address in network or (mapped is not None and mapped in network):
                return label
        return None

    def message(self, label: str) -> str:
        """Upstream's refusal."""
        return f"Requests from {label} are not allowed"
