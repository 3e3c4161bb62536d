"""Stage 4: build the image with repo2docker.

`BuildExecutor` (in `base`) is the plug-in point; `LocalRepo2dockerBuild` runs
repo2docker on the local Docker engine. `BuildCoordinator` (in `shared`) makes
concurrent requests for one image share one build.
"""

from binderd.build.base import BuildExecutor
from binderd.build.local import LocalRepo2dockerBuild
from binderd.build.shared import BuildCoordinator, SharedBuild

__all__ = ["BuildExecutor", "LocalRepo2dockerBuild", "BuildCoordinator", "SharedBuild"]
