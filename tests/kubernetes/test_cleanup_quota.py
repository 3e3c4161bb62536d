"""The build pod cleaner and the launch quotas, counted from pods in the cluster.

Pods are made through the API of the stand-in and run as containers; the
cleaner and the quota see them exactly as they would on a cluster.
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from urllib.parse import quote

import pytest

from binderd.builder.cleaner import KubernetesCleaner
from binderd.kubeapi import ApiException, KubernetesAPI
from binderd.launch.quota import KubernetesLaunchQuota, LaunchQuotaExceeded
from tests.fixtures.sse import read_stream

OURS = {"component": "binderhub-build", "app.kubernetes.io/managed-by": "binderd"}
USER = {"app": "jupyterhub", "component": "singleuser-server"}


def make_pod(cluster, namespace: str, name: str, labels: dict, command: str = "true", image: str = "binderd/bookworm:latest"):
    body = {"metadata": {"name": name, "labels": {**labels, "name": name}},
            "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 0,
                     "containers": [{"name": "main", "image": image, "command": ["sh", "-c", command]}]}}
    status, answer = cluster.request("POST", f"/api/v1/namespaces/{namespace}/pods", body)
    assert status == 201, answer


async def wait_phases(cluster, namespace: str, wanted: dict[str, str]) -> None:
    for _ in range(300):
        phases = {p["metadata"]["name"]: p["status"].get("phase") for p in cluster.pods(namespace)}
        if all(phases.get(n) == ph for n, ph in wanted.items()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(phases)


def names(cluster, namespace: str) -> set[str]:
    return {p["metadata"]["name"] for p in cluster.pods(namespace) if not p["metadata"].get("deletionTimestamp")}


async def test_the_cleaner_deletes_only_binderds_finished_or_overdue_build_pods(kube_cluster, kube_namespace):
    ns = kube_namespace
    make_pod(kube_cluster, ns, "ours-done", OURS)
    make_pod(kube_cluster, ns, "ours-failed", OURS, "exit 2")
    make_pod(kube_cluster, ns, "ours-running", OURS, "sleep 300")
    make_pod(kube_cluster, ns, "upstreams-done", {"component": "binderhub-build"})  # not binderd's
    make_pod(kube_cluster, ns, "unrelated-done", {"app": "other"})
    await wait_phases(kube_cluster, ns, {"ours-done": "Succeeded", "ours-failed": "Failed",
                                         "ours-running": "Running", "upstreams-done": "Succeeded",
                                         "unrelated-done": "Succeeded"})
    kube = KubernetesAPI(kubeconfig=kube_cluster.kubeconfig, in_cluster=False)
    try:
        cleaner = KubernetesCleaner(kube=kube, namespace=ns)
        assert sorted(await cleaner.cleanup()) == ["ours-done", "ours-failed"]
        assert await cleaner.cleanup() == []  # nothing else is due
        await asyncio.sleep(1.5)
        assert await KubernetesCleaner(kube=kube, namespace=ns, max_age=1).cleanup() == ["ours-running"]
    finally:
        await kube.close()
    for _ in range(100):
        if names(kube_cluster, ns) == {"upstreams-done", "unrelated-done"}:
            break
        await asyncio.sleep(0.1)
    assert names(kube_cluster, ns) == {"upstreams-done", "unrelated-done"}


async def test_binderd_runs_the_cleaner_on_its_interval(kube_binderd):
    kb = kube_binderd
    make_pod(kb.cluster, kb.namespace, "left-behind", OURS)
    await wait_phases(kb.cluster, kb.namespace, {"left-behind": "Succeeded"})
    kb.start(["c.BinderHub.build_cleanup_interval = 1"])
    for _ in range(100):
        if "left-behind" not in names(kb.cluster, kb.namespace):
            break
        await asyncio.sleep(0.2)
    assert "left-behind" not in names(kb.cluster, kb.namespace)


async def test_kubernetes_quota_counts_user_pods_by_image_repository(kube_cluster, kube_namespace):
    ns = kube_namespace
    make_pod(kube_cluster, ns, "user-a", USER, "sleep 300", image="example.org/test/kubernetes_quota:1")
    make_pod(kube_cluster, ns, "user-b", USER, "sleep 300", image="example.org/test/kubernetes_quota:2")
    make_pod(kube_cluster, ns, "user-c", USER, "sleep 300", image="example.org/test/other:1")
    make_pod(kube_cluster, ns, "not-a-user", {"app": "x"}, "sleep 300", image="example.org/test/kubernetes_quota:1")
    kube = KubernetesAPI(kubeconfig=kube_cluster.kubeconfig, in_cluster=False)
    try:
        quota = KubernetesLaunchQuota(kube=kube, namespace=ns)
        image = "example.org/test/kubernetes_quota:3"
        assert await quota.check_repo_quota(image, {}, "repo.url") is None
        check = await quota.check_repo_quota(image, {"quota": 3}, "repo.url")
        assert (check.total, check.matching, check.quota) == (3, 2, 3)
        with pytest.raises(LaunchQuotaExceeded, match="Too many users running repo.url! Try again soon."):
            await quota.check_repo_quota(image, {"quota": 2}, "repo.url")
        with pytest.raises(LaunchQuotaExceeded, match="Too many users on this BinderHub! Try again soon."):
            await KubernetesLaunchQuota(kube=kube, namespace=ns, total_quota=3).check_repo_quota(image, {}, "r")
    finally:
        await kube.close()


async def test_quota_refusals_reach_the_client_with_upstreams_messages(kube_binderd):
    kb = kube_binderd
    repo = kb.git.create("k8s-quota")
    url = lambda b: f"{b.url}build/git/{quote(repo.git_url, safe='')}/main"  # noqa: E731
    first = await read_stream(url(kb.start()))
    assert first.phases[-1] == "ready", first.events[-3:]
    image = first.events[-1]["image"]
    # Two user pods of this repository are running (another commit's tag counts too).
    make_pod(kb.cluster, kb.namespace, "jupyter-0", USER, "sleep 300", image=image)
    make_pod(kb.cluster, kb.namespace, "jupyter-1", USER, "sleep 300", image=image.rsplit(":", 1)[0] + ":older")
    per_repo = kb.start(["c.BinderHub.per_repo_quota = 2"])
    refused = await read_stream(url(per_repo))
    assert refused.phases == ["failed"], refused.events
    assert refused.events[-1]["message"].strip() == f"Too many users running {repo.git_url}! Try again soon."
    with urllib.request.urlopen(per_repo.url + "metrics", timeout=10) as r:
        assert 'binderhub_launch_count_total{provider="Git",repo="%s",status="repo_quota"} 1.0' % repo.git_url in r.read().decode()
    total = kb.start(["c.LaunchQuota.total_quota = 2"])
    refused = await read_stream(url(total))
    assert refused.events[-1]["message"].strip() == "Too many users on this BinderHub! Try again soon."
    allowed = await read_stream(url(kb.start(["c.BinderHub.per_repo_quota = 3"])))
    assert allowed.phases[-1] == "ready"


async def test_in_cluster_mode_uses_the_service_account(kube_cluster_tls, tmp_path, monkeypatch):
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "ca.crt").write_text(open(kube_cluster_tls.ca_path).read())
    (account / "token").write_text(kube_cluster_tls.token)
    host, port = kube_cluster_tls.url.split("//")[1].rsplit(":", 1)
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", host)
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", port)
    kube = KubernetesAPI(service_account_dir=str(account))
    assert kube.in_cluster
    try:
        assert isinstance(await kube.list_pods("default", "app=none"), list)
    finally:
        await kube.close()
    (account / "token").write_text("not-the-token")
    wrong = KubernetesAPI(service_account_dir=str(account))
    try:
        with pytest.raises(ApiException) as e:
            await wrong.list_pods("default", "app=none")
        assert e.value.status == 401
    finally:
        await wrong.close()
