"""Stage 1: turn a provider prefix and spec into a ResolvedRepo.

`RepoProvider` (in `base`) is the plug-in point; each module holds one provider,
and `http` the bounded outbound HTTP they share.
"""

from binderd.providers.base import RepoProvider
from binderd.providers.ckan import CKANProvider
from binderd.providers.dataverse import DataverseProvider
from binderd.providers.figshare import FigshareProvider
from binderd.providers.gist import GistRepoProvider
from binderd.providers.git import GitRepoProvider
from binderd.providers.github import GitHubRepoProvider
from binderd.providers.gitlab import GitLabRepoProvider
from binderd.providers.hydroshare import HydroshareProvider
from binderd.providers.swh import SwhidProvider
from binderd.providers.zenodo import ZenodoProvider

__all__ = [
    "RepoProvider", "GitHubRepoProvider", "GistRepoProvider", "GitRepoProvider", "GitLabRepoProvider",
    "ZenodoProvider", "FigshareProvider", "HydroshareProvider", "DataverseProvider", "CKANProvider",
    "SwhidProvider", "default_providers",
]


def default_providers() -> dict[str, type[RepoProvider]]:
    """The providers binderd serves by default, keyed by URL prefix, in upstream's order (swh is binderd's)."""
    return {
        "gh": GitHubRepoProvider,
        "gist": GistRepoProvider,
        "git": GitRepoProvider,
        "gl": GitLabRepoProvider,
        "zenodo": ZenodoProvider,
        "figshare": FigshareProvider,
        "hydroshare": HydroshareProvider,
        "dataverse": DataverseProvider,
        "ckan": CKANProvider,
        "swh": SwhidProvider,
    }
