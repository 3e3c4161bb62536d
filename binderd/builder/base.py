"""The BuildExecutor plug-in point: how an image gets built (and pushed)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

from jupyterhub.traitlets import ByteSpecification
from traitlets import Dict, List, Unicode, default
from traitlets.config import LoggingConfigurable

from binderd.builder.buildpacks import CONFIG_FILE
from binderd.builder.buildpacks.settings import CA_BUNDLE_ARG, MAX_REPO_SIZE_ARG
from binderd.model import ImageRef, ResolvedRepo

# Docker's final message for a built image: {"aux": {"ID": "sha256:..."}}, relayed by repo2docker as text
_AUX_ID = re.compile(r'^\{"aux": \{"ID": "(sha256:[0-9a-f]+)"\}\}\s*$')

# classic builder bookkeeping, meaningless in a failure message
_DOCKER_NOISE = re.compile(r"^\s*(---> |Removing intermediate container|Image ID: )")


def log_event(line: str) -> dict:
    """One line of builder output as an event: JSON objects verbatim, else phase "unknown"."""
    try:
        event = json.loads(line)
    except ValueError:
        event = None
    if isinstance(event, dict):
        event.pop("exc_info", None)  # a traceback is for the operator's log, not the user
        aux = _AUX_ID.match(str(event.get("message", "")))
        if aux:
            event["message"] = f"Image ID: {aux.group(1)}\n"
        return event
    return {"phase": "unknown", "message": line if line.endswith("\n") else line + "\n"}


def failure_hint(error: str, tail: list[str], memory_limit: int = 0) -> str:
    """What to add to a failed build's message: the cause when it is known, and the build's last lines."""
    hint = ""
    if re.search(r"non-zero code: 137|exit code: 137|OOMKilled", error + "\n".join(tail)):
        limit = f" of {memory_limit / 2**20:.0f} MiB" if memory_limit else ""
        hint = f"\nThe build ran out of memory: it needed more than this BinderHub's limit{limit}."
    lines = [line for line in tail if line.strip() not in error and not _DOCKER_NOISE.match(line)]
    if lines:
        hint += "\nLast lines of the build:\n" + "\n".join(lines)
    return hint


class BuildExecutor(LoggingConfigurable):
    """Base class of builders. Subclasses implement `build()`."""

    appendix = Unicode(
        "",
        help="Dockerfile text repo2docker appends to generated Dockerfiles (--appendix).",
    ).tag(config=True)

    repo2docker_extra_args = List(
        Unicode(),
        help="Extra arguments for repo2docker, placed before the repository URL.",
    ).tag(config=True)

    builder_info = Dict(help="What /versions reports as `builder_info`.").tag(config=True)

    repo2docker_config = Unicode(
        help="""repo2docker configuration file passed with --config. Default: binderd's, which builds
        Python repositories offline with uv on the base image (binderd.builder.buildpacks); "" passes none.""",
    ).tag(config=True)

    memory_limit = ByteSpecification(
        0, help="Memory (bytes, or e.g. '2G') a build may use (--build-memory-limit); 0: no limit."
    ).tag(config=True)

    max_repo_size = ByteSpecification(
        0, help="Largest repository (bytes, or e.g. '500M', .git included) a build accepts; 0: no limit."
    ).tag(config=True)

    ca_bundle = Unicode(
        "",
        help="""Builder-side path of a CA bundle that package installs in builds trust (a TLS-intercepting
        proxy's CA). Used by binderd's buildpacks; "" keeps the base image's trust store.""",
    ).tag(config=True)

    @default("repo2docker_config")
    def _default_repo2docker_config(self):
        return CONFIG_FILE

    def limit_args(self) -> list[str]:
        """repo2docker arguments for binderd's configuration file and the per-build limits."""
        args = [f"--config={self.repo2docker_config}"] if self.repo2docker_config else []
        if self.memory_limit:
            args.append(f"--build-memory-limit={int(self.memory_limit)}")
        if self.repo2docker_config:
            if self.max_repo_size:
                args += ["--build-arg", f"{MAX_REPO_SIZE_ARG}={int(self.max_repo_size)}"]
            if self.ca_bundle:
                args += ["--build-arg", f"{CA_BUNDLE_ARG}={self.ca_bundle}"]
        return args

    def get_cmd(self, repo: ResolvedRepo, image: ImageRef, push: bool) -> list[str]:
        """repo2docker's argument list, in upstream's order (the repository URL last)."""
        cmd = [
            f"--ref={repo.resolved_ref}",
            f"--image={image.name}",
            "--no-clean",
            "--no-run",
            "--json-logs",
            "--user-name=jovyan",
            "--user-id=1000",
        ]
        if self.appendix:
            cmd += ["--appendix", self.appendix]
        if push:
            cmd.append("--push")
        return cmd + self.limit_args() + list(self.repo2docker_extra_args) + [repo.repo_url]

    def build(
        self, repo: ResolvedRepo, image: ImageRef, push_auth: dict | None, push: bool = False
    ) -> AsyncIterator[dict]:
        """Build the image, and push it when `push` (with `push_auth` credentials, if any).

        Yields log events; returns normally on success and raises BuildError on failure.
        """
        raise NotImplementedError
