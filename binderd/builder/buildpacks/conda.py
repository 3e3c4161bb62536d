"""repo2docker's conda-based buildpacks, with a failure message that says why they fail offline.

They install Python from conda-forge (micromamba and lockfiles downloaded at
build time) on a buildpack-deps style base image. Where neither is reachable,
Docker's error for the failing step says nothing useful to a user; this wrapper
replaces it with one that names the cause, and keeps Docker's text after it.
"""

from __future__ import annotations

from repo2docker.buildpacks import CondaBuildPack, PipfileBuildPack

from .limits import LimitsMixin

UNREACHABLE = (
    "This repository needs conda ({what}), and this BinderHub cannot build it: conda's channels "
    "(conda.anaconda.org, anaconda.org) or the base image that conda environments need were unreachable "
    "from the builder. Describe the environment with requirements.txt (pip packages) and apt.txt instead, "
    "or with a Dockerfile."
)


class CondaFailureMixin:
    """Turns a failed conda build into a message naming conda's unreachable channels."""

    what = "environment.yml"

    def build(self, *args, **kwargs):
        for line in super().build(*args, **kwargs):
            if isinstance(line, dict) and "error" in line and not str(line["error"]).startswith("The repository is"):
                detail = str(line["error"]).strip()
                yield {"error": UNREACHABLE.format(what=self.what) + f"\nThe builder said: {detail}\n"}
                return
            yield line


class CondaEnvironmentBuildPack(CondaFailureMixin, LimitsMixin, CondaBuildPack):
    """repo2docker's CondaBuildPack (environment.yml) with binderd's limits and failure message."""


class PipfileEnvironmentBuildPack(CondaFailureMixin, LimitsMixin, PipfileBuildPack):
    """repo2docker's PipfileBuildPack (installs pipenv into a conda Python) with a clear failure."""

    what = "Pipfile, installed into a conda Python"


CondaEnvironmentBuildPack.__name__ = CondaEnvironmentBuildPack.__qualname__ = "CondaBuildPack"
PipfileEnvironmentBuildPack.__name__ = PipfileEnvironmentBuildPack.__qualname__ = "PipfileBuildPack"
