"""repo2docker configuration that builds offline: uv for Python, repo2docker's own buildpacks for the rest.

Pass it as `jupyter-repo2docker --config <this file>`; binderd does by default
(`BuildExecutor.repo2docker_config`). It must work wherever repo2docker runs
(this machine, a Kubernetes build pod), so it names no host path: per-build
settings come as `--build-arg BINDERD_...` (see settings.py), and the base image
can be overridden on the command line with `--Repo2Docker.base_image=...`.
"""

import importlib.util
import os
import sys

from repo2docker.buildpacks import (
    DockerBuildPack,
    JuliaProjectTomlBuildPack,
    JuliaRequireBuildPack,
    LegacyBinderDockerBuildPack,
    NixBuildPack,
    RBuildPack,
)


def _load_buildpacks():
    """This directory as the standalone package `binderd_buildpacks`.

    Importing it as `binderd.builder.buildpacks` would run binderd's own package
    code, whose dependencies a builder image with only repo2docker lacks.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    if "binderd_buildpacks" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "binderd_buildpacks", os.path.join(here, "__init__.py"), submodule_search_locations=[here]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["binderd_buildpacks"] = module
        spec.loader.exec_module(module)
    return sys.modules["binderd_buildpacks"]


_load_buildpacks()
from binderd_buildpacks.conda import CondaEnvironmentBuildPack, PipfileEnvironmentBuildPack  # noqa: E402
from binderd_buildpacks.limits import limited  # noqa: E402
from binderd_buildpacks.uvpython import UvPythonBuildPack  # noqa: E402

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

# repo2docker's order, with uv in the Python buildpack's place (and as the default)
c.Repo2Docker.buildpacks = [
    limited(LegacyBinderDockerBuildPack),
    limited(DockerBuildPack),
    limited(JuliaProjectTomlBuildPack),
    limited(JuliaRequireBuildPack),
    limited(NixBuildPack),
    limited(RBuildPack),
    CondaEnvironmentBuildPack,
    PipfileEnvironmentBuildPack,
    UvPythonBuildPack,
]
c.Repo2Docker.default_buildpack = UvPythonBuildPack
# made locally by scripts/build-base-image: Debian bookworm, Python 3.11, Jupyter in /opt/venv
c.Repo2Docker.base_image = "binderd/jupyter-base:latest"
