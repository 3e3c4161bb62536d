"""The ImageRegistry plug-in point: where built images live and how to ask about them."""

from __future__ import annotations

from traitlets.config import LoggingConfigurable

from binderd.model import ImageRef


class ImageRegistry(LoggingConfigurable):
    """Base class. Subclasses implement the three hooks below."""

    async def image_exists(self, image: ImageRef) -> bool:
        """True if `image` can be launched without building it.

        Raise RegistryError (a user-facing error) when the answer is neither
        "found" nor "not found", e.g. credentials the registry refuses.
        """
        raise NotImplementedError

    async def healthy(self) -> bool:
        """True if the registry answers (for /health)."""
        raise NotImplementedError

    def push_auth(self) -> dict | None:
        """Credentials the build pushes with: {"registry", "username", "password"}, or None."""
        return None

    @property
    def pushes(self) -> bool:
        """True if builds push their image to this registry."""
        return False
