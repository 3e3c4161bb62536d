"""Stage 4: build the image with repo2docker.

`BuildExecutor` (in `base`) is the plug-in point; `LocalRepo2dockerBuild` runs
repo2docker on the local Docker engine. `BuildCoordinator` (in `shared`) makes
concurrent requests for one image share one build.
"""

from binderd.builder.base import BuildExecutor
from binderd.builder.local import LocalRepo2dockerBuild
from binderd.builder.shared import BuildCoordinator, SharedBuild

__all__ = ["BuildExecutor", "LocalRepo2dockerBuild", "BuildCoordinator", "SharedBuild"]
