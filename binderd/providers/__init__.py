"""Stage 1: turn a provider prefix and spec into a ResolvedRepo.

`RepoProvider` (in `base`) is the plug-in point; each module holds one provider.
"""

from binderd.providers.base import RepoProvider
from binderd.providers.git import GitRepoProvider

__all__ = ["RepoProvider", "GitRepoProvider", "default_providers"]


def default_providers() -> dict[str, type[RepoProvider]]:
    """The providers binderd serves by default, keyed by URL prefix, in upstream's order."""
    return {"git": GitRepoProvider}
