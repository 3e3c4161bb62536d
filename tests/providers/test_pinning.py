"""The address checked is the address used (DNS rebinding).

A resolver that answers a public address first and loopback after must not get
binderd to a loopback service: the listener below counts every connection it
gets, and must get none. The public address is one binderd may contact; what
answers there does not matter here (nothing does, the fetch fails).
"""

import asyncio
import socket
import subprocess
from urllib.parse import quote

import pytest
from traitlets.config import Config

from binderd import netguard
from binderd.builder.secrets import git_config_env
from binderd.errors import UserFacingError
from binderd.providers.git import GitRepoProvider

HOST = "rebind.binderd.test"
PUBLIC = "192.88.99.7"  # a global address (6to4 relay anycast, retired): nothing answers


@pytest.fixture
def listener():
    """A TCP server on loopback counting connections: the service rebinding would reach."""
    hits = []

    async def accept(reader, writer):
        hits.append(1)
        writer.close()

    async def start():
        return await asyncio.start_server(accept, "127.0.0.1", 0)

    return start, hits


@pytest.fixture
async def rebinding_dns(monkeypatch, request):
    """getaddrinfo for HOST: the public address for the first `checks` lookups, loopback after.

    binderd checks the host once in the provider and, for HTTP, once more before
    the request; a connection that looked the name up again would get loopback.
    """
    checks = request.node.callspec.params["checks"]
    loop = asyncio.get_running_loop()
    real = loop.getaddrinfo
    lookups = []

    async def getaddrinfo(host, port, *args, **kwargs):
        if host != HOST:
            return await real(host, port, *args, **kwargs)
        lookups.append(host)
        address = PUBLIC if len(lookups) <= checks else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    monkeypatch.setattr(loop, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.mark.parametrize("scheme, checks", [("http", 2), ("git", 1)])
async def test_a_later_answer_pointing_at_loopback_is_never_used(scheme, checks, listener, rebinding_dns):
    start, hits = listener
    server = await start()
    port = server.sockets[0].getsockname()[1]
    url = f"{scheme}://{HOST}:{port}/repo.git"
    c = Config()
    c.GitRepoProvider.resolve_timeout = 2
    provider = GitRepoProvider(spec=quote(url, safe="") + "/main", prefix="git", config=c)
    try:
        with pytest.raises(UserFacingError):
            await provider.get_resolved_ref()
    finally:
        server.close()
    assert rebinding_dns, "the resolver was not asked"
    assert hits == []
    # and the clone would go to the checked address too
    assert PUBLIC in str(provider.clone_git_config)


def test_git_pins_rewrite_git_urls_and_resolve_http_hosts():
    [address] = [netguard.ipaddress.ip_address("192.0.2.10")]
    assert netguard.git_pins("https://h.example/r.git", [address]) == [
        ("http.curloptResolve", "h.example:443:192.0.2.10")]
    assert netguard.git_pins("git://h.example:9419/r.git", [address]) == [
        ("url.git://192.0.2.10:9419/.insteadOf", "git://h.example:9419/")]
    assert netguard.git_pins("ssh://h.example/r.git", [address]) == []


def test_git_connects_where_the_pin_says(git_server):
    """Real git honours the pins the build's clone gets: a name no DNS knows reaches the server."""
    repo = git_server.create("pinned-clone")
    loopback = [netguard.ipaddress.ip_address("127.0.0.1")]
    for url in (repo.http_url, repo.git_url):
        url = url.replace("127.0.0.1", "unresolvable.binderd.test")
        env = {"PATH": "/usr/bin:/bin", "GIT_TERMINAL_PROMPT": "0",
               **git_config_env(netguard.git_pins(url, loopback))}
        out = subprocess.run(["git", "ls-remote", url, "main"], env=env, capture_output=True, text=True, timeout=30)
        assert out.returncode == 0 and "refs/heads/main" in out.stdout, out.stderr
