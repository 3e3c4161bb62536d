"""binderd resolves refs without a subprocess; it must agree with the real `git ls-remote`."""

import subprocess

import pytest

from binderd.errors import ResolveError
from binderd.providers.gitrefs import (
    match_ref,
    parse_pkt_lines,
    refs_from_advertisement,
    resolve_ref,
)
from binderd.providers.hosts import HostPolicy

LOOPBACK = HostPolicy((), ["127.0.0.0/8"])


def git_ls_remote(url: str, ref: str) -> str | None:
    out = subprocess.run(["git", "ls-remote", "--", url, ref], capture_output=True, text=True, check=True).stdout
    return out.split()[0] if out.split() else None


@pytest.fixture(scope="module")
def refs_repo(git_server):
    repo = git_server.create("refs-parity", {"a.txt": "1"})
    repo.tag("light")
    repo.tag("v1.0", annotated=True)
    repo.commit({"a.txt": "2"}, "second")
    subprocess.run(["git", "push", "-q", "origin", "HEAD:refs/heads/feature/x"], cwd=repo.workdir, check=True)
    subprocess.run(["git", "push", "-q", "origin", "HEAD~1:refs/heads/old"], cwd=repo.workdir, check=True)
    return repo


REFS = ["HEAD", "main", "light", "v1.0", "feature/x", "x", "old", "nosuchref", "refs/heads/main", "heads/old"]


@pytest.mark.parametrize("transport", ["git_url", "http_url"])
@pytest.mark.parametrize("ref", REFS)
async def test_native_resolution_agrees_with_git_ls_remote(refs_repo, transport, ref):
    url = getattr(refs_repo, transport)
    expected = git_ls_remote(url, ref)
    assert await resolve_ref(url, ref, LOOPBACK, {"git", "http"}) == expected


async def test_unknown_repository_is_a_clear_error(git_server):
    url = f"http://127.0.0.1:{git_server.http_port}/does-not-exist.git"
    with pytest.raises(ResolveError, match="does not exist or is not public"):
        await resolve_ref(url, "HEAD", LOOPBACK, {"http"})


async def test_git_daemon_refusal_is_reported(git_server):
    with pytest.raises(ResolveError, match="refused"):
        await resolve_ref(f"git://127.0.0.1:{git_server.git_port}/nope.git", "HEAD", LOOPBACK, {"git"})


async def test_closed_port_is_reported():
    with pytest.raises(ResolveError, match="Could not reach"):
        await resolve_ref("git://127.0.0.1:9/x.git", "HEAD", LOOPBACK, {"git"}, timeout=2)


def test_pkt_line_parsing():
    line = b"a" * 40 + b" HEAD\0multi_ack\n"
    data = b"001e# service=git-upload-pack\n0000" + b"%04x" % (len(line) + 4) + line + b"0000"
    packets = parse_pkt_lines(data)
    assert packets[1] is None and packets[-1] is None
    refs = refs_from_advertisement(packets)
    assert refs == [("a" * 40, "HEAD")]
    assert match_ref(refs, "HEAD") == "a" * 40
    assert match_ref(refs, "EAD") is None
