"""`LocalDockerImages`: images live in the local Docker engine (`use_registry = False`)."""

from __future__ import annotations

from traitlets import Unicode

from binderd.docker_api import DockerEngine
from binderd.errors import RegistryError
from binderd.model import ImageRef
from binderd.registry.base import ImageRegistry


class LocalDockerImages(ImageRegistry):
    """Ask the local Docker engine, asynchronously, whether it has the image."""

    docker_socket = Unicode(
        "",
        help="Path of the Docker engine's unix socket; empty means $DOCKER_HOST or /var/run/docker.sock.",
    ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.engine = DockerEngine(self.docker_socket or None)

    async def image_exists(self, image: ImageRef) -> bool:
        try:
            return await self.engine.image_exists(image.name)
        except OSError as e:
            raise RegistryError(f"Could not ask the local Docker engine about {image.name}: {e}") from None

    async def healthy(self) -> bool:
        try:
            await self.engine.version()
            return True
        except OSError:
            return False
