"""The build pod, field by field against upstream BinderHub's, and its affinity."""

from __future__ import annotations

import asyncio

import pytest

from binderd.builder.kube_pod import BuildPodSpec, build_affinity, build_pod_manifest, rendezvous_rank
from binderd.builder.kubernetes import KubernetesBuildExecutor
from binderd.model import ImageRef, ResolvedRepo

REPO = ResolvedRepo(
    provider_prefix="gh", provider_name="GitHub", spec="org/repo/main", resolved_spec="org/repo/abc123",
    repo_url="https://github.com/org/repo", unresolved_ref="main", resolved_ref="abc123",
    ref_url="https://github.com/org/repo/tree/abc123", build_slug="org-2drepo-abc",
    git_credentials="username=tok\\npassword=x-oauth-basic",
)
IMAGE = ImageRef(name="gcr.io/p/binder-org-2drepo-abc:abc123", repository="p/binder-org-2drepo-abc",
                 tag="abc123", build_name="build-org-2drepo-abc-abc123")

# Upstream's build pod for the same build, written out from its documented shape:
# name and labels from the build name, the repo annotation, one `builder` container
# with the repo2docker command as args, the node's Docker socket, the push secret's
# config.json, the two user-node tolerations, restartPolicy Never, spread affinity.
UPSTREAM_POD = {
    "metadata": {
        "name": "build-org-2drepo-abc-abc123",
        "labels": {"name": "build-org-2drepo-abc-abc123", "component": "binderhub-build"},
        "annotations": {"binder-repo": "https://github.com/org/repo"},
    },
    "spec": {
        "containers": [{
            "name": "builder",
            "image": "quay.io/jupyterhub/repo2docker:2024.07.0",
            "args": [
                "jupyter-repo2docker", "--ref=abc123", "--image=gcr.io/p/binder-org-2drepo-abc:abc123",
                "--no-clean", "--no-run", "--json-logs", "--user-name=jovyan", "--user-id=1000", "--push",
                "https://github.com/org/repo",
            ],
            "volumeMounts": [
                {"name": "docker-socket", "mountPath": "/var/run/docker.sock"},
                {"name": "docker-config", "mountPath": "/root/.docker/config.json", "subPath": "config.json"},
            ],
            "resources": {"limits": {}, "requests": {}},
            "env": [{"name": "GIT_CREDENTIAL_ENV", "value": "username=tok\\npassword=x-oauth-basic"}],
        }],
        "volumes": [
            {"name": "docker-socket", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}},
            {"name": "docker-config", "secret": {"secretName": "binder-build-docker-config"}},
        ],
        "tolerations": [
            {"key": "hub.jupyter.org/dedicated", "operator": "Equal", "value": "user", "effect": "NoSchedule"},
            {"key": "hub.jupyter.org_dedicated", "operator": "Equal", "value": "user", "effect": "NoSchedule"},
        ],
        "nodeSelector": {},
        "restartPolicy": "Never",
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100,
            "podAffinityTerm": {
                "topologyKey": "kubernetes.io/hostname",
                "labelSelector": {"matchLabels": {"component": "binderhub-build"}},
            },
        }]}},
    },
}


def manifest(config=None, push_auth=None, push=True) -> dict:
    executor = KubernetesBuildExecutor(config=config)
    spec = asyncio.run(executor.pod_spec(REPO, IMAGE, push_auth, push))
    return build_pod_manifest(spec)


def test_the_build_pod_is_upstreams_field_by_field():
    pod = manifest()
    assert pod["kind"] == "Pod" and pod["apiVersion"] == "v1"
    labels = dict(pod["metadata"]["labels"])
    # binderd's one addition: its cleaner only ever touches pods carrying this label.
    assert labels.pop("app.kubernetes.io/managed-by") == "binderd"
    assert {**pod["metadata"], "labels": labels} == UPSTREAM_POD["metadata"]
    for field, expected in UPSTREAM_POD["spec"].items():
        assert pod["spec"][field] == expected, field
    assert set(pod["spec"]) == set(UPSTREAM_POD["spec"])


def test_options_reach_the_pod():
    from traitlets.config import Config

    c = Config()
    c.KubernetesBuildExecutor.build_image = "binderd/repo2docker:2024.07.0"
    c.KubernetesBuildExecutor.docker_host = "unix:///var/run/dind/docker.sock"
    c.KubernetesBuildExecutor.node_selector = {"pool": "builds"}
    c.KubernetesBuildExecutor.memory_limit = "2G"
    c.KubernetesBuildExecutor.memory_request = "1G"
    c.KubernetesBuildExecutor.extra_envs = {"PIP_INDEX_URL": "http://mirror/simple"}
    c.KubernetesBuildExecutor.image_pull_secrets = ["pull-me"]
    c.KubernetesBuildExecutor.push_secret = ""
    c.BuildExecutor.appendix = "RUN echo hi"
    c.BuildExecutor.repo2docker_extra_args = ["--Repo2Docker.default_buildpack=None"]
    pod = manifest(c)
    container = pod["spec"]["containers"][0]
    assert container["image"] == "binderd/repo2docker:2024.07.0"
    assert pod["spec"]["volumes"] == [
        {"name": "docker-socket", "hostPath": {"path": "/var/run/dind/docker.sock", "type": "Socket"}}
    ]
    assert pod["spec"]["nodeSelector"] == {"pool": "builds"}
    assert container["resources"] == {"limits": {"memory": str(2 * 1024**3)}, "requests": {"memory": str(1024**3)}}
    assert {"name": "PIP_INDEX_URL", "value": "http://mirror/simple"} in container["env"]
    assert pod["spec"]["imagePullSecrets"] == [{"name": "pull-me"}]
    args = container["args"]
    assert args[args.index("--appendix") + 1] == "RUN echo hi"
    assert args[-2:] == ["--Repo2Docker.default_buildpack=None", "https://github.com/org/repo"]


def test_no_push_no_secret_and_no_push_flag():
    pod = manifest(push=False)
    assert "--push" not in pod["spec"]["containers"][0]["args"]
    assert [v["name"] for v in pod["spec"]["volumes"]] == ["docker-socket"]


def test_short_lived_credentials_go_by_environment_not_the_secret():
    auth = {"registry": "123.dkr.ecr.eu-west-1.amazonaws.com", "username": "AWS", "password": "pw", "short_lived": True}
    pod = manifest(push_auth=auth)
    env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
    assert '"password": "pw"' in env["CONTAINER_ENGINE_REGISTRY_CREDENTIALS"]
    assert "short_lived" not in env["CONTAINER_ENGINE_REGISTRY_CREDENTIALS"]
    assert [v["name"] for v in pod["spec"]["volumes"]] == ["docker-socket"]


def test_docker_host_must_be_a_unix_socket():
    with pytest.raises(Exception, match="unix"):
        KubernetesBuildExecutor(docker_host="tcp://10.0.0.1:2375")
    assert build_pod_manifest(BuildPodSpec(name="b", build_image="i", args=[], repo_url="r", docker_socket=None))[
        "spec"]["volumes"] == []


def test_sticky_builds_prefer_one_builder_node_per_repository():
    nodes = ["node-a", "node-b", "node-c"]
    ranked = rendezvous_rank(nodes, "https://github.com/org/repo")
    assert sorted(ranked) == nodes
    # Stable: the order of the candidates does not change the choice.
    assert rendezvous_rank(list(reversed(nodes)), "https://github.com/org/repo") == ranked
    # Removing a node that was not chosen keeps the choice (the point of rendezvous hashing).
    other = next(n for n in nodes if n != ranked[0])
    assert rendezvous_rank([n for n in nodes if n != other], "https://github.com/org/repo")[0] == ranked[0]
    # Repositories spread over the nodes.
    chosen = {rendezvous_rank(nodes, f"https://example.org/repo{i}")[0] for i in range(40)}
    assert chosen == set(nodes)
    affinity = build_affinity("https://github.com/org/repo", nodes, sticky=True)
    term = affinity["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]
    assert term["weight"] == 100
    assert term["preference"]["matchExpressions"] == [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": [ranked[0]]}
    ]
    # Sticky without builder nodes (no dind/pink daemonset) spreads like the default.
    assert "podAntiAffinity" in build_affinity("https://github.com/org/repo", [], sticky=True)


def test_byte_specifications_as_upstream():
    assert KubernetesBuildExecutor(memory_limit="2T").memory_limit == 2199023255552
    assert KubernetesBuildExecutor(memory_limit="123G").memory_limit == 132070244352


def test_the_clone_is_pinned_to_the_checked_address():
    import dataclasses

    pinned = dataclasses.replace(REPO, git_config=(("http.curloptResolve", "github.com:443:140.82.121.4"),))
    spec = asyncio.run(KubernetesBuildExecutor().pod_spec(pinned, IMAGE, None, False))
    env = build_pod_manifest(spec)["spec"]["containers"][0]["env"]
    assert {"name": "GIT_CONFIG_COUNT", "value": "1"} in env
    assert {"name": "GIT_CONFIG_KEY_0", "value": "http.curloptResolve"} in env
    assert {"name": "GIT_CONFIG_VALUE_0", "value": "github.com:443:140.82.121.4"} in env
