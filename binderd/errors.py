"""Errors a user may see.

Every stage raises `UserFacingError` (or a subclass) for anything the person at
the other end of the event stream should read; the message must say what went
wrong in their terms. Any other exception is a bug: the pipeline logs it and
the stream gets a generic message, never a traceback.
"""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is safe and useful to show to the user."""

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class SpecError(UserFacingError):
    """The link (provider spec) is malformed or not allowed."""


class ResolveError(UserFacingError):
    """The ref could not be resolved to a version."""


class RegistryError(UserFacingError):
    """The registry answered something other than found / not found."""


class BuildError(UserFacingError):
    """The build failed."""


class LaunchError(UserFacingError):
    """JupyterHub could not start the server."""
