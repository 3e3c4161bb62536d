"""`HubAddressFinder`: learn the hub's public URL from its `proxy-public` Service.

The setup guide installs the chart first and sets `BinderHub.hub_url` in a second
step, once the cloud has given the hub's load balancer an address. binderd does
not wait for the operator: on Kubernetes, while `hub_url` is unset, it reads that
address from the Service itself, so the second step becomes optional. Until an
address exists, binderd stays up and `/health` says what is missing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from traitlets import Float, Unicode

from binderd.kubeapi import ApiException, KubernetesPart


def service_url(service: dict) -> str:
    """The public URL of a LoadBalancer Service, or "" while it has no address."""
    ingress = (service.get("status", {}).get("loadBalancer", {}) or {}).get("ingress") or []
    host = next((i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")), "")
    if not host:
        return ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    ports = {p.get("name"): p.get("port") for p in service.get("spec", {}).get("ports", [])}
    if ports.get("https") == 443 or (443 in ports.values() and 80 not in ports.values()):
        return f"https://{host}/"
    port = ports.get("http", 80)
    return f"http://{host}/" if port == 80 else f"http://{host}:{port}/"


class HubAddressFinder(KubernetesPart):
    """Polls the hub's public Service until its load balancer has an address."""

    service_name = Unicode("proxy-public", help="The hub's public Service (z2jh names it proxy-public).").tag(
        config=True
    )
    interval = Float(10, min=0.1, help="Seconds between two looks at the Service.").tag(config=True)

    async def find(self) -> str:
        """The hub's public URL now, or ""."""
        try:
            return service_url(await self.kube.read_service(self.namespace, self.service_name))
        except ApiException as e:
            if e.status != 404:
                self.log.warning("Cannot read Service %s/%s: %s %s", self.namespace, self.service_name, e.status, e.reason)
            return ""

    async def run(self, found: Callable[[str], None]) -> None:
        """Look until there is an address, then hand it to `found` and stop."""
        while True:
            try:
                url = await self.find()
            except (OSError, asyncio.TimeoutError) as e:
                self.log.warning("Kubernetes API unreachable while looking for the hub's address: %s", e)
                url = ""
            if url:
                self.log.info("The hub's public address, from Service %s: %s", self.service_name, url)
                found(url)
                return
            await asyncio.sleep(self.interval)
