"""Upstream BinderHub's import names for plug-in classes, mapped to binderd's.

Operators' configuration files name classes as strings, e.g.
`c.BinderHub.build_class = "binderhub.build_local.LocalRepo2dockerBuild"`
(upstream's own local set-up does). binderd has the same classes under its own
modules; this table lets such a file work unchanged.
"""

from __future__ import annotations

from traitlets.config import Config

_PROVIDERS = ["GitHubRepoProvider", "GistRepoProvider", "GitRepoProvider", "GitLabRepoProvider", "ZenodoProvider",
              "FigshareProvider", "HydroshareProvider", "DataverseProvider", "CKANProvider", "RepoProvider"]

UPSTREAM_CLASSES: dict[str, str] = {
    "binderhub.build.BuildExecutor": "binderd.builder.base.BuildExecutor",
    "binderhub.build.KubernetesBuildExecutor": "binderd.builder.kubernetes.KubernetesBuildExecutor",
    "binderhub.build.KubernetesCleaner": "binderd.builder.cleaner.KubernetesCleaner",
    "binderhub.build_local.LocalRepo2dockerBuild": "binderd.builder.local.LocalRepo2dockerBuild",
    "binderhub.registry.DockerRegistry": "binderd.registry.DockerRegistry",
    "binderhub.registry.GoogleArtifactRegistry": "binderd.registry.GoogleArtifactRegistry",
    "binderhub.quota.LaunchQuota": "binderd.launch.quota.LaunchQuota",
    "binderhub.quota.KubernetesLaunchQuota": "binderd.launch.quota.KubernetesLaunchQuota",
    **{f"binderhub.repoproviders.{name}": f"binderd.providers.{name}" for name in _PROVIDERS},
}


def translate(config: Config) -> list[str]:
    """Replace upstream class names in `config` (in place); return the names replaced."""
    replaced = []

    def swap(value):
        if isinstance(value, str) and value in UPSTREAM_CLASSES:
            replaced.append(value)
            return UPSTREAM_CLASSES[value]
        return value

    for section in config.values():
        if not isinstance(section, dict):
            continue
        for key, value in list(section.items()):
            if isinstance(value, dict):
                section[key] = {k: swap(v) for k, v in value.items()}
            else:
                section[key] = swap(value)
    return replaced
