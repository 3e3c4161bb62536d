"""Contained user servers, looked at from inside a container the real hub launched.

The hub (the `hub` fixture: JupyterHub + BinderSpawner on the local engine) starts
a server on its own network. From inside it, binderd (listening on every address
of the host), the hub API and a link-local address on the host are unreachable,
while the host itself reaches all three: the targets are live, the firewall is
what stops the notebook. The token is nowhere on a command line.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import time
import urllib.request

import pytest

from binderd.launch import containment
from tests.fixtures.servers import BASE_IMAGE, Hub, start_binderd

LINK_LOCAL = "169.254.169.254"

PROBE = """
import json, socket, sys
result = {}
for target in json.loads(sys.argv[1]):
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
        result[target] = "open"
    except OSError as e:
        result[target] = type(e).__name__
print(json.dumps(result))
"""


def _request(hub: Hub, method: str, path: str, body: dict | None = None) -> int:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(hub.api_url + path, data=data, method=method,
                                     headers={"Authorization": f"token {hub.api_token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def _launch(hub: Hub, user: str, token: str) -> str:
    assert _request(hub, "POST", f"users/{user}") == 201
    assert _request(hub, "POST", f"users/{user}/server", {"image": BASE_IMAGE, "token": token}) in (201, 202)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status, model = hub.api("GET", f"users/{user}")
        server = model["servers"].get("")
        if server and server.get("ready"):
            return f"{hub.container_prefix}-{user}"
        if not server:
            pytest.fail("the server failed to start; see the hub's log")
        time.sleep(0.5)
    pytest.fail("the server did not become ready")


def _host_ip() -> str:
    """An address of the host outside loopback (the one its default route leaves from)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("192.0.2.1", 9))  # no packet is sent for a UDP connect
        return s.getsockname()[0]
    finally:
        s.close()


@pytest.fixture
def link_local_listener():
    """A TCP listener on 169.254.169.254, added to the host's loopback (a stand-in metadata service)."""
    subprocess.run(["ip", "addr", "add", f"{LINK_LOCAL}/32", "dev", "lo"], check=True)
    try:
        server = socket.create_server((LINK_LOCAL, 0))
        server.listen()
        yield f"{LINK_LOCAL}:{server.getsockname()[1]}"
        server.close()
    finally:
        subprocess.run(["ip", "addr", "del", f"{LINK_LOCAL}/32", "dev", "lo"], check=False)


def _reachable_from_host(targets: list[str]) -> None:
    for target in targets:
        host, port = target.rsplit(":", 1)
        socket.create_connection((host, int(port)), timeout=3).close()


def test_user_server_is_contained(hub, tmp_path, link_local_listener):
    binderd = start_binderd(str(tmp_path / "binderd"), [
        f"c.BinderHub.hub_url = {hub.url!r}",
        f"c.BinderHub.hub_api_token = {hub.api_token!r}",
        "c.BinderHub.use_registry = False",
    ], args=["--ip=0.0.0.0"])
    token = secrets.token_hex(16)
    user = "contained" + secrets.token_hex(3)
    try:
        container = _launch(hub, user, token)
        info = json.loads(subprocess.run(["docker", "inspect", container], check=True,
                                         capture_output=True, text=True).stdout)[0]
        host_config = info["HostConfig"]
        assert host_config["NetworkMode"] == "binderd-users"
        assert host_config["Memory"] == 2 * 1024**3
        assert host_config["CpuQuota"] == host_config["CpuPeriod"] == 100_000
        assert host_config["PidsLimit"] == 1024
        assert "no-new-privileges" in host_config["SecurityOpt"]
        assert not any(token in arg for arg in info["Config"]["Cmd"] + info["Args"])
        network = containment.bridge_of(json.loads(subprocess.run(
            ["docker", "network", "inspect", "binderd-users"], check=True, capture_output=True, text=True
        ).stdout)[0])

        # the hub reaches the server, through the proxy, with the token
        with urllib.request.urlopen(f"{hub.url}user/{user}/api/status?token={token}", timeout=10) as r:
            assert r.status == 200

        binderd_port = binderd.url.rstrip("/").rsplit(":", 1)[1]
        hub_api_port = hub.api_url.split(":")[2].split("/")[0]
        hub_ip = f"127.0.0.1:{hub_api_port}"
        targets = [f"{network.gateways[0]}:{binderd_port}", f"{_host_ip()}:{binderd_port}",
                   f"{network.gateways[0]}:{hub_api_port}", link_local_listener]
        _reachable_from_host(targets[:2] + [hub_ip, link_local_listener])  # they are all there
        probe = subprocess.run(["docker", "exec", container, "python3", "-c", PROBE, json.dumps(targets)],
                               check=True, capture_output=True, text=True)
        seen = json.loads(probe.stdout)
        assert not [t for t, outcome in seen.items() if outcome == "open"], seen

        cmdlines = subprocess.run(["docker", "exec", container, "sh", "-c", "cat /proc/[0-9]*/cmdline"],
                                  check=True, capture_output=True).stdout
        assert b"jupyter" in cmdlines  # the server's own command line is among them
        assert token.encode() not in cmdlines
    finally:
        _request(hub, "DELETE", f"users/{user}")
        binderd.process.stop()


def test_firewall_rules_drop_host_and_blocked_networks_but_keep_replies():
    net = containment.Network("n", "bd-n", ("10.9.0.0/16",), ("10.9.0.1",))
    rules = containment.firewall_rules(net, ["169.254.0.0/16", "fd00:ec2::254/128"], [8081])
    text = [" ".join(r) for r in rules]
    chain = "BD-bd-n"
    assert text.index(f"-A {chain} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN") < text.index(
        f"-A {chain} -p tcp --dport 8081 -j RETURN") < text.index(f"-A {chain} -j DROP")
    assert "-A BDF-bd-n -d 169.254.0.0/16 -j DROP" in text
    assert not any("fd00" in t for t in text)  # iptables is IPv4 only
    assert text[-2:] == [f"-I INPUT -i bd-n -j {chain}", "-I DOCKER-USER -i bd-n -j BDF-bd-n"]
