"""The BuildExecutor plug-in point: how an image gets built (and pushed)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from traitlets import Dict, List, Unicode
from traitlets.config import LoggingConfigurable

from binderd.model import ImageRef, ResolvedRepo


def log_event(line: str) -> dict:
    """One line of builder output as an event: JSON objects verbatim, else phase "unknown"."""
    try:
        event = json.loads(line)
    except ValueError:
        event = None
    if isinstance(event, dict):
        return event
    return {"phase": "unknown", "message": line if line.endswith("\n") else line + "\n"}


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
        return cmd + list(self.repo2docker_extra_args) + [repo.repo_url]

    def build(
        self, repo: ResolvedRepo, image: ImageRef, push_auth: dict | None, push: bool = False
    ) -> AsyncIterator[dict]:
        """Build the image, and push it when `push` (with `push_auth` credentials, if any).

        Yields log events; returns normally on success and raises BuildError on failure.
        """
        raise NotImplementedError
