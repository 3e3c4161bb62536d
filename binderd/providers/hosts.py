"""Which hosts a provider's requests (and the redirects they meet) may reach.

Some providers only talk to configured services (GitHub's API, Zenodo's hosts);
others to a host the link names (a CKAN portal, the Dataverse installation a DOI
leads to). `HostPolicy` decides both: a list of allowed hosts, or, with none,
any host `netguard` accepts. The trait factories give providers the matching
`hosts` / `allowed_networks` options.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from traitlets import List, TraitError, Unicode

from binderd import netguard
from binderd.errors import ResolveError


class RedirectRefused(ResolveError):
    """A redirect pointed at a host the provider does not fetch from."""

    def __init__(self, message: str, host: str):
        super().__init__(message)
        self.host = host


class HostPolicy:
    """Which hosts a request and its redirects may reach.

    `hosts` entries are host names ("zenodo.org"), host:port ("127.0.0.1:8080")
    or wildcards ("*.figshare.com"). With no entries, any host is allowed that
    `netguard` accepts (public addresses, plus `networks` the operator allows).
    """

    def __init__(self, hosts: Iterable[str] = (), networks: Iterable[str] = ()):
        self.hosts = [h.lower() for h in hosts if h]
        self.networks = netguard.parse_networks(networks)

    @classmethod
    def same_host(cls, url: str) -> HostPolicy:
        """Only the host (and port) of `url`: for a configured API base URL."""
        return cls([urlsplit(url).netloc])

    def matches(self, url: str) -> bool:
        """True if `url`'s host is one of `hosts` (False when there are none)."""
        parts = urlsplit(url)
        host, netloc = (parts.hostname or "").lower(), parts.netloc.lower().rpartition("@")[2]
        for entry in self.hosts:
            if entry.startswith("*.") and host.endswith(entry[1:]):
                return True
            if entry in (host, netloc):
                return True
        return False

    async def check(self, url: str, service: str) -> list[netguard.IPAddress]:
        """Raise RedirectRefused/SpecError unless `url` may be fetched; the checked addresses
        to connect to (none for a configured host name, which is the operator's to trust)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RedirectRefused(f"{service} sent binderd to {url!r}, which is not an http(s) URL.", "")
        if self.hosts:
            if not self.matches(url):
                raise RedirectRefused(
                    f"{service} redirected to {parts.hostname}, which binderd does not fetch from "
                    f"(allowed: {', '.join(self.hosts)}).",
                    parts.hostname,
                )
            return []
        return await netguard.check_host(parts.hostname, self.networks, f"{service} URL")


class NetworkList(List):
    """A List trait of CIDR networks, validated when set."""

    def __init__(self, **kwargs):
        super().__init__(Unicode(), **kwargs)

    def validate(self, obj, value):
        value = super().validate(obj, value)
        try:
            netguard.parse_networks(value)
        except ValueError as e:
            raise TraitError(f"{self.name}: {e}") from None
        return value


def hosts_trait(what: str) -> List:
    """A configurable list of hosts `what` may lead to (empty: any public host)."""
    return List(
        Unicode(),
        help=f"""Hosts {what} may lead to: "example.org", "example.org:8443" or "*.example.org";
        anywhere else is refused, also through redirects. Empty: any host on a public network
        (see `allowed_networks`).""",
    ).tag(config=True)


def networks_trait(what: str, with_hosts: bool = True) -> NetworkList:
    """A configurable list of private networks `what` may lead to (when `hosts` is empty)."""
    condition = ", when `hosts` is empty" if with_hosts else ""
    return NetworkList(
        help=f"""CIDR networks (e.g. "10.0.0.0/8", "127.0.0.1/32") {what} may lead to although
        they are private or loopback{condition}. Link-local and cloud metadata addresses
        (169.254.0.0/16, fd00:ec2::254) are refused whatever this says.""",
    ).tag(config=True)
