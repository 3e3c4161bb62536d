"""Step 3.5 of the setup guide made optional: binderd without hub_url stays up and finds the hub.

The operator installs first and sets `BinderHub.hub_url` once the cloud gives
the hub's load balancer an address. Until then binderd answers, says on /health
what is missing and refuses launches with that message; as soon as the
`proxy-public` Service has an address, binderd uses it.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from urllib.parse import quote

from tests.fixtures.sse import read_stream


def health(binderd) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(binderd.url + "health", timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


async def test_without_hub_url_binderd_waits_for_the_proxy_public_address(kube_binderd):
    kb = kube_binderd
    binderd = kb.start(["c.HubAddressFinder.interval = 0.2"], hub_url=False)
    code, report = health(binderd)
    assert code == 503
    hub_check = next(c for c in report["checks"] if c["service"] == "JupyterHub API")
    assert hub_check["ok"] is False and "BinderHub.hub_url is not set" in hub_check["error"]

    repo = kb.git.create("k8s-no-hub-url")
    url = f"{binderd.url}build/git/{quote(repo.git_url, safe='')}/main"
    refused = await read_stream(url)
    assert refused.phases[-1] == "failed"
    assert "hub_url is not set" in refused.events[-1]["message"]

    # The cloud gives the hub's Service an address: the hub's proxy port on loopback here.
    port = int(kb.hub.url.rstrip("/").rsplit(":", 1)[1])
    service = {"metadata": {"name": "proxy-public"},
               "spec": {"type": "LoadBalancer", "ports": [{"name": "http", "port": port}]}}
    code, body = kb.cluster.request("POST", f"/api/v1/namespaces/{kb.namespace}/services", service)
    assert code == 201, body
    await asyncio.sleep(1)
    assert health(binderd)[0] == 503  # no address yet: a pending load balancer
    body["status"] = {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}}
    code, answer = kb.cluster.request(
        "PUT", f"/api/v1/namespaces/{kb.namespace}/services/proxy-public/status", body)
    assert code == 200, answer
    for _ in range(100):
        if health(binderd)[0] == 200:
            break
        await asyncio.sleep(0.2)
    assert health(binderd)[0] == 200, health(binderd)
    ready = await read_stream(url)
    assert ready.phases[-1] == "ready", ready.events[-3:]
    assert ready.events[-1]["url"].startswith(kb.hub.url)
