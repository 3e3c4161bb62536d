"""List a remote git repository's refs, the way `git ls-remote` does, without a subprocess.

Resolving a branch name to a commit is on every launch's critical path. Spawning
`git ls-remote` costs several milliseconds of fork/exec and process start-up per
request; speaking the first round of git's protocol ourselves costs one HTTP
request (smart HTTP) or one TCP exchange (git://) on the event loop. Anything
else (ssh, dumb HTTP servers) falls back to the real `git ls-remote`.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
from collections.abc import Sequence
from urllib.parse import urlsplit

from binderd import netguard
from binderd.errors import ResolveError
from binderd.providers.hosts import HostPolicy
from binderd.providers.http import Limits, fetch

Ref = tuple[str, str]  # (sha, refname)

_ADVERTISEMENT = "application/x-git-upload-pack-advertisement"
_MAX_BYTES = 16 * 1024 * 1024


class NotSmart(Exception):
    """The server does not speak a protocol we handle natively; use `git ls-remote`."""


def parse_pkt_lines(data: bytes) -> list[bytes | None]:
    """Split git pkt-line framing into payloads; None stands for a flush packet."""
    out: list[bytes | None] = []
    pos = 0
    while pos + 4 <= len(data):
        try:
            length = int(data[pos : pos + 4], 16)
        except ValueError:
            raise NotSmart("malformed pkt-line") from None
        if length == 0:
            out.append(None)
            pos += 4
            continue
        if length < 4 or pos + length > len(data):
            raise NotSmart("truncated pkt-line")
        out.append(data[pos + 4 : pos + length])
        pos += length
    return out


def refs_from_advertisement(packets: list[bytes | None]) -> list[Ref]:
    """The (sha, refname) pairs of a v0 ref advertisement, in the server's order."""
    refs = []
    for pkt in packets:
        if pkt is None or pkt.startswith(b"#"):
            continue
        line = pkt.split(b"\0", 1)[0].rstrip(b"\n").decode("utf-8", "replace")
        sha, _, name = line.partition(" ")
        if len(sha) == 40 and name and name != "capabilities^{}":
            refs.append((sha, name))
    return refs


def match_ref(refs: list[Ref], pattern: str) -> str | None:
    """The first sha whose ref name ends with /<pattern> (git ls-remote's tail match)."""
    for sha, name in refs:
        if fnmatch.fnmatchcase("/" + name, "*/" + pattern):
            return sha
    return None


async def _smart_http_refs(url: str, policy: HostPolicy, timeout: float) -> list[Ref]:
    answer = await fetch(
        url.rstrip("/") + "/info/refs?service=git-upload-pack",
        service="The git server",
        limits=Limits(timeout=timeout, max_bytes=_MAX_BYTES),
        policy=policy,
        headers={"User-Agent": "git/2 binderd"},
    )
    if answer.code in (401, 403, 404):
        raise ResolveError(
            f"The git server answered {answer.code} for this repository: it does not exist or is not public."
        )
    content_type = answer.headers.get("Content-Type", "")
    if answer.code != 200 or not content_type.startswith(_ADVERTISEMENT):
        raise NotSmart(f"HTTP {answer.code} {content_type}")
    return refs_from_advertisement(parse_pkt_lines(answer.body))


def _pkt(payload: bytes) -> bytes:
    return b"%04x" % (len(payload) + 4) + payload


async def _read_pkt(reader: asyncio.StreamReader) -> bytes | None:
    length = int(await reader.readexactly(4), 16)
    if length == 0:
        return None
    if length < 4:
        raise ResolveError("The git server sent a malformed answer.")
    return await reader.readexactly(length - 4)


async def _git_daemon_refs(url: str, timeout: float, pins: Sequence[netguard.IPAddress] = ()) -> list[Ref]:
    parts = urlsplit(url)
    host, port = (str(pins[0]) if pins else parts.hostname or ""), parts.port or 9418
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        raise ResolveError(f"Could not reach {parts.netloc}: {e}") from None
    packets: list[bytes | None] = []
    try:
        request = b"git-upload-pack %s\0host=%s\0" % (parts.path.encode(), parts.netloc.encode())
        writer.write(_pkt(request))
        async with asyncio.timeout(timeout):
            while (pkt := await _read_pkt(reader)) is not None:
                if pkt.startswith(b"ERR "):
                    raise ResolveError("The git server refused: " + pkt[4:].decode("utf-8", "replace").strip())
                packets.append(pkt)
                if len(packets) > 200_000:
                    raise ResolveError("The git server sent too many refs.")
        writer.write(b"0000")
    except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError) as e:
        raise ResolveError(f"The git server at {parts.netloc} did not answer properly: {e}") from None
    finally:
        writer.close()
    return refs_from_advertisement(packets)


async def ls_remote_subprocess(
    url: str, ref: str, allowed_protocols: set[str], timeout: float, pins: Sequence[netguard.IPAddress] = ()
) -> str | None:
    """Resolve with the real `git ls-remote`: the fallback, and the reference behaviour."""
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": ":".join(sorted(allowed_protocols)),
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new",
    }
    pinned = [arg for key, value in netguard.git_pins(url, list(pins)) for arg in ("-c", f"{key}={value}")]
    proc = await asyncio.create_subprocess_exec(
        "git", "-c", "http.followRedirects=false", *pinned, "ls-remote", "--", url, ref,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL, env=env,
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise ResolveError(f"git ls-remote did not answer within {timeout:.0f} seconds") from None
    if proc.returncode != 0:
        message = stderr.decode("utf-8", "replace").strip().splitlines()
        raise ResolveError(
            "Unable to run git ls-remote to get the `resolved_ref`: "
            + (message[-1] if message else f"exit status {proc.returncode}")
        )
    first = stdout.decode().split(None, 1)
    return first[0] if first else None


async def resolve_ref(
    url: str,
    ref: str,
    policy: HostPolicy,
    allowed_protocols: set[str],
    timeout: float = 30,
    pins: Sequence[netguard.IPAddress] = (),
) -> str | None:
    """The sha `git ls-remote -- url ref` would print first, or None.

    `pins`: the checked addresses of the URL's host, which git:// and the
    subprocess connect to (smart HTTP pins through `policy` itself).
    """
    scheme = urlsplit(url).scheme
    try:
        if scheme in ("http", "https"):
            return match_ref(await _smart_http_refs(url, policy, timeout), ref)
        if scheme == "git":
            return match_ref(await _git_daemon_refs(url, timeout, pins), ref)
    except NotSmart:
        pass
    return await ls_remote_subprocess(url, ref, allowed_protocols, timeout, pins)
