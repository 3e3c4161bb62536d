"""A local build in a container named after it, which outlives binderd.

`LocalRepo2dockerBuild` (container mode) runs repo2docker in the build image
as a detached container named after the build (`ImageRef.build_name`), with
the engine's socket mounted, as a Kubernetes build pod would. The engine keeps
the container and its log when binderd stops or is killed; the next binderd
asking for the same image finds the container by name and attaches to it
instead of starting a second build, and `docker logs --follow` replays the log
from its first line. This module owns talking to the engine (through the
docker CLI, as subprocesses: nothing blocks the event loop).

Secrets are handed to the docker CLI through its own environment (`-e NAME`
without a value), never on its command line.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field

LABEL = "binderd.builder"  # on every build container, for operators and cleanup


@dataclass(frozen=True)
class ContainerSpec:
    """What a build container runs."""

    name: str
    image: str
    args: tuple[str, ...]  # the container's command (repo2docker and its arguments)
    env: Mapping[str, str] = field(default_factory=dict)  # values reach the CLI by its environment only
    mounts: tuple[tuple[str, str, bool], ...] = ()  # (host path, container path, read-only)
    network: str = "host"


async def _docker(*args: str, env: Mapping[str, str] | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "docker", *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env=dict(env) if env is not None else None,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode("utf-8", "replace").strip()


async def state(name: str) -> tuple[str, int] | None:
    """(status, exit code) of the container `name`, or None when there is none."""
    code, out = await _docker("container", "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name)
    if code:
        return None
    status, _, exit_code = out.partition(" ")
    return status, int(exit_code or 0)


async def start_or_attach(spec: ContainerSpec) -> bool:
    """Start the build container, or find the one already there; True when this call started it.

    A container that already failed is replaced: asking again means trying again.
    """
    found = await state(spec.name)
    if found is not None:
        status, exit_code = found
        if status != "exited" or exit_code == 0:
            return False
        await remove(spec.name)
    args = ["run", "--detach", "--name", spec.name, "--label", f"{LABEL}=1", "--network", spec.network]
    for host, inside, read_only in spec.mounts:
        args += ["--volume", f"{host}:{inside}" + (":ro" if read_only else "")]
    for name in spec.env:
        args += ["--env", name]  # the value comes from the CLI's environment
    code, out = await _docker(*args, spec.image, *spec.args, env={**os.environ, **spec.env})
    if code:
        if "Conflict" in out:  # another caller started it a moment ago
            return False
        raise OSError(f"docker run failed: {out.splitlines()[-1] if out else code}")
    return True


async def log_lines(name: str) -> AsyncIterator[bytes]:
    """The container's output from its first line, following it until the container stops."""
    proc = await asyncio.create_subprocess_exec(
        "docker", "logs", "--follow", name, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, limit=4 * 1024 * 1024,
    )
    try:
        assert proc.stdout is not None
        async for line in proc.stdout:
            yield line
        await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def wait(name: str) -> int:
    """The container's exit code, once it has stopped."""
    code, out = await _docker("wait", name)
    if code:
        raise OSError(f"docker wait {name} failed: {out}")
    return int(out.splitlines()[-1])


async def remove(name: str) -> None:
    """Remove the container (stopping it first if it runs)."""
    await _docker("rm", "--force", name)


def mounts_for(paths: Sequence[str]) -> tuple[tuple[str, str, bool], ...]:
    """Read-only mounts of host paths at the same path inside (configuration, CA bundles)."""
    return tuple((p, p, True) for p in dict.fromkeys(paths) if p and os.path.exists(p))
