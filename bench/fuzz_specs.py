"""Property-based fuzz of /build specs over every provider, through the pipeline, with network fakes.

    python bench/fuzz_specs.py [--examples 2000] [--seed 0]

Hypothesis generates (provider prefix, spec) pairs: free text, URL-shaped specs
with hosts that resolve to public, loopback, private and link-local addresses,
escaped and not, with refs. Each runs through `LaunchPipeline` (the stages
after the providers are the test stand-ins of tests/providers/stages.py). The
network is faked: name lookups answer from a fixed table, every outbound TCP
connection is recorded and refused, and git subprocesses are recorded and fail.
Printed, all of which must be 0:

  unhandled       exceptions out of the pipeline, or its "internal error" answer
  tracebacks      events whose text contains a Python traceback
  refused_dials   outbound connections to addresses netguard refuses (names of the
                  configured services resolve to a public address; every other name,
                  which a link supplies, to one of ADDRESSES)
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import socket
import sys
import time
import zlib
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from traitlets.config import Config  # noqa: E402

from binderd import netguard  # noqa: E402
from binderd.providers import default_providers  # noqa: E402
from tests.providers.stages import make_pipeline, run  # noqa: E402

ADDRESSES = ["192.88.99.7", "127.0.0.1", "10.1.2.3", "169.254.169.254", "::1", "fd00:ec2::254", "100.64.0.1"]
HOSTS = ["github.com", "gitlab.com", "zenodo.org", "doi.org", "127.0.0.1", "169.254.169.254", "[::1]",
         "localhost", "evil.example", "10.0.0.1", "0x7f.1", "2130706433", "metadata.google.internal"]
SERVICES = ("github.com", "gitlab.com", "doi.org", "zenodo.org", "figshare.com", "hydroshare.org",
            "softwareheritage.org", "dataverse.harvard.edu")
SCHEMES = ["http", "https", "git", "ssh", "file", "ftp", "ext", ""]


class Network:
    """The fakes: a lookup table, refused dials, failing subprocesses; what was attempted."""

    def __init__(self) -> None:
        self.dials: list[str] = []
        self.refused_dials: list[str] = []
        self.subprocesses = 0

    async def getaddrinfo(self, host, port, *args, **kwargs):
        # the services the operator configures (GitHub's API, doi.org, ...) are public; any other
        # name, which a link supplies, may point anywhere
        trusted = str(host).endswith(SERVICES)
        address = ADDRESSES[0] if trusted else ADDRESSES[zlib.crc32(str(host).encode()) % len(ADDRESSES)]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port or 0))]

    def connect(self, sock, address):
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        self.dials.append(host)
        try:
            why = netguard.refusal(ipaddress.ip_address(host.split("%")[0]), [])
        except ValueError:
            why = None
        if why:
            self.refused_dials.append(host)
        raise ConnectionRefusedError(111, "refused by the fuzz network")

    async def subprocess(self, *args, **kwargs):
        self.subprocesses += 1
        return _FailedProcess()


class _FailedProcess:
    returncode = 128

    async def communicate(self, data=None):
        return b"", b"fatal: the fuzz network has no git servers\n"

    async def wait(self):
        return 128

    def kill(self):
        pass


def specs():
    text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)
    host = st.one_of(st.sampled_from(HOSTS), st.from_regex(r"[a-z0-9.\-]{1,20}", fullmatch=True))
    url = st.builds(lambda s, h, p, path: f"{s}://{h}{p}/{path}", st.sampled_from(SCHEMES), host,
                    st.sampled_from(["", ":80", ":9418", ":0", ":99999"]), st.from_regex(r"[\w./%@-]{0,30}", fullmatch=True))
    ref = st.one_of(st.sampled_from(["HEAD", "main", "master", "v1.0", "a" * 40, "-x", "..", ""]), text)
    escaped = st.builds(lambda u, r, q: (quote(u, safe="") if q else u) + "/" + r, url, ref, st.booleans())
    name = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,12}", fullmatch=True)
    shaped = st.one_of(
        st.builds(lambda u, r, n, ref_: f"{u}/{r}/{ref_}", name, name, name, ref),  # gh, gist
        st.builds(lambda n, r: quote(f"{n}/{n}", safe="") + "/" + r, name, ref),  # gl
        st.builds(lambda d, t: f"10.{d}/{t}", st.integers(1000, 99999), st.one_of(name, text)),  # DOIs
        st.builds(lambda s, h, n, r: quote(f"{s}://{h}/{n}.git", safe="") + "/" + r,
                  st.sampled_from(["http", "https", "git"]), host, name, ref),  # git
    )
    return st.one_of(text, escaped, shaped, st.builds(lambda a, b: f"{a}/{b}", text, ref))


async def main(examples: int, seed: int) -> None:
    logging.disable(logging.CRITICAL)  # the providers' own logging is not under test here
    loop = asyncio.get_running_loop()
    net = Network()
    loop.getaddrinfo = net.getaddrinfo  # type: ignore[method-assign]
    def connect(sock: socket.socket, address: object) -> None:  # a plain function: it binds as a method
        net.connect(sock, address)

    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.socket.connect_ex = connect  # type: ignore[method-assign, assignment]
    asyncio.create_subprocess_exec = net.subprocess  # type: ignore[assignment]
    config = Config()
    for section in ("GitRepoProvider", "GitHubRepoProvider", "GitLabRepoProvider", "RepoProvider"):
        config[section].http_retries = 0
    config.GitRepoProvider.resolve_timeout = 2
    pipeline = make_pipeline(config)
    prefixes = sorted(default_providers())
    found = {"runs": 0, "unhandled": 0, "tracebacks": 0}
    samples: list[str] = []
    pending: list[tuple[str, str]] = []

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed == 0,
              suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(prefixes), specs())
    def collect(prefix: str, spec: str) -> None:
        pending.append((prefix, spec))

    collect()  # hypothesis draws the examples; they run below, on the event loop
    started = time.monotonic()
    for prefix, spec in pending:
        found["runs"] += 1
        try:
            events = await asyncio.wait_for(run(pipeline, prefix, spec), 30)
        except Exception as e:  # noqa: BLE001 - counting them is the point
            found["unhandled"] += 1
            samples.append(f"{prefix} {spec!r}: {type(e).__name__}: {e}")
            continue
        text = " ".join(str(e.get("message", "")) for e in events)
        if os.environ.get("FUZZ_DEBUG"):
            print(prefix, repr(spec)[:50], text[:150].strip().encode("unicode_escape").decode())
        if "Traceback (most recent call last)" in text or 'File "' in text:
            found["tracebacks"] += 1
            samples.append(f"{prefix} {spec!r}: traceback in events")
        if "internal error" in text.lower():
            found["unhandled"] += 1
            samples.append(f"{prefix} {spec!r}: {text[:200]}")
    elapsed = time.monotonic() - started
    print(f"{found['runs']} specs over {len(prefixes)} providers in {elapsed:.1f} s")
    print(f"unhandled {found['unhandled']}  tracebacks {found['tracebacks']}  "
          f"refused_dials {len(net.refused_dials)}  (dials {len(net.dials)}, git subprocesses {net.subprocesses})")
    for line in samples[:10]:
        print("  ", line)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=2000, help="specs to try (the issue asks for 100,000)")
    parser.add_argument("--seed", type=int, default=0, help="0: the same examples every run")
    args = parser.parse_args()
    asyncio.run(main(args.examples, args.seed))
