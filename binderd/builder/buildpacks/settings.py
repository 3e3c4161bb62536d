"""Per-build settings of the buildpacks, carried from binderd to repo2docker as build arguments.

binderd cannot reach into repo2docker's process, and the Kubernetes executor
runs repo2docker in another container, so the settings travel the one channel
both executors share: repo2docker's command line. `--build-arg BINDERD_...`
values arrive in every buildpack's `render()` and `build()`; the buildpacks read
them here and remove them before Docker sees the build arguments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# The uv release installed into images; it must equal the pin in constraints.txt
# (a test checks it), so images get the uv the test suite ran with.
UV_VERSION = "0.13.9"

CA_BUNDLE_ARG = "BINDERD_CA_BUNDLE"
MAX_REPO_SIZE_ARG = "BINDERD_MAX_REPO_SIZE"
BUILD_ARGS = (CA_BUNDLE_ARG, MAX_REPO_SIZE_ARG)


@dataclass(frozen=True)
class BuildSettings:
    """What binderd asked of this build."""

    ca_bundle: str = ""  # builder-side path of a PEM bundle to trust while installing; "" = the base image's
    max_repo_size: int = 0  # bytes; 0 = no limit

    @classmethod
    def from_build_args(cls, build_args: dict | None) -> BuildSettings:
        args = build_args or {}
        ca_bundle = args.get(CA_BUNDLE_ARG, "")
        if ca_bundle and not os.path.isfile(ca_bundle):
            raise ValueError(f"The CA bundle {ca_bundle} configured for builds does not exist on the builder")
        try:
            max_size = int(args.get(MAX_REPO_SIZE_ARG) or 0)
        except ValueError:
            raise ValueError(f"{MAX_REPO_SIZE_ARG} must be a number of bytes") from None
        return cls(ca_bundle=ca_bundle, max_repo_size=max_size)


def without_settings(build_args: dict | None) -> dict:
    """The build arguments Docker should see: ours removed (they are consumed here, not in the Dockerfile)."""
    return {k: v for k, v in (build_args or {}).items() if k not in BUILD_ARGS}


def human_size(size: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size} GB"
