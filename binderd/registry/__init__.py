"""Stage 3: is the image built already?

`ImageRegistry` (in `base`) is the plug-in point. `DockerRegistry` asks a
registry through the Registry v2 HTTP API (`auth` holds the token logic,
`dockerconfig` the config.json rules); `GoogleArtifactRegistry` and `AmazonECR`
handle those registries' quirks; `LocalDockerImages` asks the local Docker
engine (the `use_registry = False` mode). `prefix` checks that image_prefix
puts images where they will be found; `hosts` knows well-known registries.
"""

from binderd.registry.base import ImageRegistry
from binderd.registry.docker import DockerRegistry
from binderd.registry.ecr import AmazonECR
from binderd.registry.google import GoogleArtifactRegistry
from binderd.registry.local import LocalDockerImages

#: Every configurable registry class, for configuration validation.
REGISTRY_CLASSES = [ImageRegistry, DockerRegistry, GoogleArtifactRegistry, AmazonECR, LocalDockerImages]

__all__ = [
    "ImageRegistry", "DockerRegistry", "GoogleArtifactRegistry", "AmazonECR", "LocalDockerImages", "REGISTRY_CLASSES",
]
