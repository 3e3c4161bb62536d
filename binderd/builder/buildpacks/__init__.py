"""repo2docker buildpacks that build offline, fast: Python environments with uv on a local base image.

This package is loaded *by repo2docker* (through `repo2docker_config.py`, passed
with `--config`), inside the builder process, so it imports only repo2docker
and the standard library. `binderd.builder.base.BuildExecutor.repo2docker_config`
points at that file by default.
"""

from .settings import BUILD_ARGS, UV_VERSION, BuildSettings

CONFIG_FILE = __file__.rsplit("/", 1)[0] + "/repo2docker_config.py"

__all__ = ["BUILD_ARGS", "CONFIG_FILE", "UV_VERSION", "BuildSettings"]
