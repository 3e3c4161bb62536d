"""The build pod: what a Kubernetes build asks the cluster to run.

Pure functions from a `BuildPodSpec` to the pod manifest (a plain dict, as the
API takes it), shaped as upstream BinderHub's build pod so that clusters,
policies and dashboards set up for upstream keep working: the same name,
labels, annotations, container, volumes, tolerations and affinity. binderd adds
one label, `app.kubernetes.io/managed-by: binderd`, so its cleaner can never
touch a pod it did not make.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

#: The component label of build pods (upstream's value: dashboards and quotas count it).
BUILD_COMPONENT = "binderhub-build"
#: binderd's own mark on the pods it creates.
MANAGED_BY = {"app.kubernetes.io/managed-by": "binderd"}
#: Selects exactly the build pods binderd made.
BUILD_POD_SELECTOR = f"component={BUILD_COMPONENT},app.kubernetes.io/managed-by=binderd"
#: The pods of upstream's image-builder daemonsets (dind, pink) that sticky builds aim at.
BUILDER_DAEMON_SELECTOR = "component=image-builder,app=binder"

DOCKER_SOCKET_MOUNT = "/var/run/docker.sock"
DOCKER_CONFIG_MOUNT = "/root/.docker/config.json"

# Build pods may run on nodes reserved for users (z2jh's dedicated-node taint,
# with and without the slash GKE refuses in node pool taints).
USER_NODE_TOLERATIONS = [
    {"key": key, "operator": "Equal", "value": "user", "effect": "NoSchedule"}
    for key in ("hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated")
]


@dataclass(frozen=True)
class BuildPodSpec:
    """Everything that varies between two build pods."""

    name: str  # the build name: <= 63 DNS-safe characters, shared by every build of one image
    build_image: str
    args: list[str]  # the whole repo2docker command, as container args
    repo_url: str
    docker_socket: str | None = "/var/run/docker.sock"  # host path of the engine's socket; None: no mount
    push_secret: str = ""  # Secret with a `config.json` key to push with; "" for none
    env: dict[str, str] = field(default_factory=dict, repr=False)  # may hold credentials: never repr'd
    resources: dict = field(default_factory=dict)
    node_selector: dict[str, str] = field(default_factory=dict)
    image_pull_secrets: list[str] = field(default_factory=list)
    affinity: dict = field(default_factory=dict)


def rendezvous_rank(buckets: list[str], key: str) -> list[str]:
    """`buckets` ordered by preference for `key` (rendezvous hashing, highest score first).

    The score is upstream's, so a mixed fleet of binderd and BinderHub sends a
    repository's builds to the same node and its Docker layer cache.
    """

    def score(bucket: str) -> int:
        digest = hashlib.blake2b(f"{key}-{bucket}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big")

    return sorted(buckets, key=score, reverse=True)


def build_affinity(repo_url: str, builder_nodes: list[str], sticky: bool) -> dict:
    """Prefer the node that built this repository before (sticky), else spread builds out."""
    if sticky and builder_nodes:
        best = rendezvous_rank(sorted(set(builder_nodes)), repo_url)[0]
        term = {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [best]}]}
        return {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "preference": term}]}}
    spread = {
        "weight": 100,
        "podAffinityTerm": {
            "topologyKey": "kubernetes.io/hostname",
            "labelSelector": {"matchLabels": {"component": BUILD_COMPONENT}},
        },
    }
    return {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [spread]}}


def build_pod_manifest(spec: BuildPodSpec) -> dict:
    """The pod that runs one build."""
    mounts, volumes = [], []
    if spec.docker_socket:
        mounts.append({"name": "docker-socket", "mountPath": DOCKER_SOCKET_MOUNT})
        volumes.append({"name": "docker-socket", "hostPath": {"path": spec.docker_socket, "type": "Socket"}})
    if spec.push_secret:
        mounts.append({"name": "docker-config", "mountPath": DOCKER_CONFIG_MOUNT, "subPath": "config.json"})
        volumes.append({"name": "docker-config", "secret": {"secretName": spec.push_secret}})
    container = {
        "name": "builder",
        "image": spec.build_image,
        "args": list(spec.args),
        "volumeMounts": mounts,
        "resources": spec.resources or {"limits": {}, "requests": {}},
        "env": [{"name": name, "value": value} for name, value in spec.env.items()],
    }
    pod_spec: dict = {
        "containers": [container],
        "volumes": volumes,
        "tolerations": [dict(t) for t in USER_NODE_TOLERATIONS],
        "nodeSelector": dict(spec.node_selector),
        "restartPolicy": "Never",
        "affinity": spec.affinity,
    }
    if spec.image_pull_secrets:
        pod_spec["imagePullSecrets"] = [{"name": name} for name in spec.image_pull_secrets]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": spec.name,
            "labels": {"name": spec.name, "component": BUILD_COMPONENT, **MANAGED_BY},
            "annotations": {"binder-repo": spec.repo_url},
        },
        "spec": pod_spec,
    }
