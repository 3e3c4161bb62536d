"""Launch quotas: may one more server start, for this repository and in all?

`LaunchQuota` is the plug-in point (upstream's class and option names). Its base
counts nothing, so only `total_quota = 0` refuses. `KubernetesLaunchQuota`
counts the user pods in the cluster, as upstream does: every binderd replica
sees the same numbers, because they come from the API, not from memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from traitlets import Integer
from traitlets.config import LoggingConfigurable

from binderd.errors import UserFacingError
from binderd.kubeapi import KubernetesPart

#: KubeSpawner's labels on users' server pods.
USER_POD_SELECTOR = "app=jupyterhub,component=singleuser-server"


class LaunchQuotaExceeded(UserFacingError):
    """No room for another server; `status` is the launch metric's label (pod_quota, repo_quota)."""

    def __init__(self, message: str, status: str, quota: int, used: int):
        super().__init__(message, 429)
        self.status = status
        self.quota = quota
        self.used = used


@dataclass(frozen=True)
class ServerCount:
    """One running user server, as a quota counts it."""

    owner: str  # the hub user (KubeSpawner's username annotation on Kubernetes)
    images: list[str]


@dataclass(frozen=True)
class ServerQuotaCheck:
    """What a quota check counted."""

    total: int  # user servers running in all
    matching: int  # of those, servers of this repository (any tag of its image)
    quota: int  # the repository's quota (0: none)


def _image_repository(image: str) -> str:
    """The image name without its tag: servers of any commit of a repository count for it."""
    name, _, tag = image.rpartition(":")
    return name if name and "/" not in tag else image


class LaunchQuota(LoggingConfigurable):
    """Base class: knows no running servers, so only a total quota of 0 refuses."""

    total_quota = Integer(
        None,
        allow_none=True,
        help="Servers that may run at once in all (None: no limit; 0: refuse every launch).",
    ).tag(config=True)

    #: Hub users whose servers wait unclaimed in the warm pool (set by the application): not counted,
    #: since a launch that claims one adds no server.
    pooled_users: Callable[[], set[str]] = staticmethod(lambda: set())

    async def running_servers(self) -> list[ServerCount] | None:
        """Each user server running now (its owner and container images), or None if this class cannot count."""
        return None

    async def check_repo_quota(self, image_name: str, repo_config: dict, repo_url: str) -> ServerQuotaCheck | None:
        """Raise LaunchQuotaExceeded if no server may start for `image_name`; else what was counted."""
        quota = int(repo_config.get("quota") or 0)
        if self.total_quota is None and not quota:
            return None
        counted = await self.running_servers()
        if counted is None:
            if self.total_quota == 0:
                raise LaunchQuotaExceeded("Too many users on this BinderHub! Try again soon.", "pod_quota", 0, 0)
            return None
        pooled = self.pooled_users()
        servers = [server.images for server in counted if server.owner not in pooled]
        total = len(servers)
        if self.total_quota is not None and total >= self.total_quota:
            raise LaunchQuotaExceeded(
                "Too many users on this BinderHub! Try again soon.", "pod_quota", self.total_quota, total
            )
        wanted = _image_repository(image_name)
        matching = sum(1 for images in servers if any(_image_repository(i) == wanted for i in images))
        if quota and matching >= quota:
            raise LaunchQuotaExceeded(f"Too many users running {repo_url}! Try again soon.", "repo_quota", quota, matching)
        if quota and matching >= 0.5 * quota:
            self.log.warning("%s is using %d of its quota of %d servers", repo_url, matching, quota)
        return ServerQuotaCheck(total=total, matching=matching, quota=quota)


class KubernetesLaunchQuota(LaunchQuota, KubernetesPart):
    """Counts the user pods (KubeSpawner's labels) in the namespace."""


    async def running_servers(self) -> list[ServerCount]:
        return [
            ServerCount(
                owner=(pod["metadata"].get("annotations") or {}).get("hub.jupyter.org/username", ""),
                images=[c.get("image", "") for c in pod.get("spec", {}).get("containers", [])],
            )
            for pod in await self.kube.list_pods(self.namespace, USER_POD_SELECTOR)
        ]
