"""The ImageRegistry plug-in point: where built images live and how to ask about them."""

from __future__ import annotations

from traitlets.config import LoggingConfigurable

from binderd.model import ImageRef


class ImageRegistry(LoggingConfigurable):
    """Base class. Subclasses implement `image_exists` and `healthy`; the rest have defaults."""

    async def image_exists(self, image: ImageRef) -> bool:
        """True if `image` can be launched without building it.

        Raise RegistryError (a user-facing error) when the answer is neither
        "found" nor "not found", e.g. credentials the registry refuses.
        """
        raise NotImplementedError

    async def healthy(self) -> bool:
        """True if the registry answers (for /health)."""
        raise NotImplementedError

    async def prepare_push(self, image: ImageRef) -> None:
        """Get ready for a build to push `image`; call it before `push_auth()`.

        E.g. Amazon ECR refreshes its short-lived password and creates the repository
        here. Raise RegistryError if the push cannot work. The default does nothing.
        """

    def push_auth(self) -> dict | None:
        """Credentials the build pushes with: {"registry", "username", "password"}, or None."""
        return None

    @property
    def pushes(self) -> bool:
        """True if builds push their image to this registry."""
        return False
