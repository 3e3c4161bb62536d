"""Stage 3: is the image built already?

`ImageRegistry` (in `base`) is the plug-in point. `DockerRegistry` asks a
registry through the Registry v2 HTTP API; `LocalDockerImages` asks the local
Docker engine (the `use_registry = False` mode).
"""

from binderd.registry.base import ImageRegistry
from binderd.registry.docker import DockerRegistry
from binderd.registry.local import LocalDockerImages

__all__ = ["ImageRegistry", "DockerRegistry", "LocalDockerImages"]
