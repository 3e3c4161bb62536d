"""Upstream's deprecated BinderHub.build_* options still configure the Kubernetes parts."""

from __future__ import annotations

import pytest

from binderd.app import BinderHub
from binderd.builder import LocalRepo2dockerBuild
from binderd.builder.kubernetes import KubernetesBuildExecutor
from binderd.launch.hubquota import HubLaunchQuota
from binderd.launch.quota import KubernetesLaunchQuota


def make_app(tmp_path, text: str, monkeypatch, in_cluster: bool = False) -> BinderHub:
    if in_cluster:
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    else:
        monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    path = tmp_path / "binderhub_config.py"
    path.write_text(text)
    app = BinderHub()
    app.serves = False
    app.initialize(["-f", str(path)])
    return app


def test_deprecated_names_land_on_their_new_classes(tmp_path, monkeypatch):
    app = make_app(tmp_path, "\n".join([
        "c.BinderHub.hub_url = 'http://hub.example'",
        "c.BinderHub.build_class = 'binderd.builder.kubernetes.KubernetesBuildExecutor'",
        "c.BinderHub.build_namespace = 'builds'",
        "c.BinderHub.build_image = 'binderd/repo2docker:2024.07.0'",
        "c.BinderHub.build_node_selector = {'pool': 'build'}",
        "c.BinderHub.build_docker_host = 'unix:///var/run/dind/docker.sock'",
        "c.BinderHub.build_memory_limit = '2G'",
        "c.BinderHub.build_memory_request = '1G'",
        "c.BinderHub.sticky_builds = True",
        "c.BinderHub.log_tail_lines = 50",
        "c.BinderHub.push_secret = 'my-push-secret'",
        "c.BinderHub.appendix = 'RUN true'",
        "c.BinderHub.build_max_age = 3600",
        "c.BinderHub.pod_quota = 7",
    ]), monkeypatch)
    b = app.builder
    assert isinstance(b, KubernetesBuildExecutor)
    assert (b.namespace, b.build_image, b.node_selector, b.docker_host) == (
        "builds", "binderd/repo2docker:2024.07.0", {"pool": "build"}, "/var/run/dind/docker.sock")
    assert (b.memory_limit, b.memory_request, b.sticky_builds, b.log_tail_lines) == (2 * 1024**3, 1024**3, True, 50)
    assert (b.push_secret, b.appendix) == ("my-push-secret", "RUN true")
    assert app.cleaner.max_age == 3600
    assert isinstance(app.launch_quota, KubernetesLaunchQuota) and app.launch_quota.total_quota == 7
    # One connection to the API for every Kubernetes part.
    assert b.kube is app.cleaner.kube is app.launch_quota.kube is app.kube


def test_the_new_name_wins_over_the_deprecated_one(tmp_path, monkeypatch):
    app = make_app(tmp_path, "\n".join([
        "c.BinderHub.hub_url = 'http://hub.example'",
        "c.BinderHub.build_class = 'binderd.builder.kubernetes.KubernetesBuildExecutor'",
        "c.BinderHub.build_image = 'old/image:1'",
        "c.KubernetesBuildExecutor.build_image = 'new/image:2'",
    ]), monkeypatch)
    assert app.builder.build_image == "new/image:2"


def test_in_a_pod_builds_run_as_pods_and_hub_url_may_wait(tmp_path, monkeypatch):
    app = make_app(tmp_path, "", monkeypatch, in_cluster=True)
    app.serves = True
    app.init_stages()  # no ConfigError: the hub's address can come from its Service
    assert isinstance(app.builder, KubernetesBuildExecutor)
    assert app.hub_address is not None
    assert isinstance(app.launch_quota, KubernetesLaunchQuota)


def test_on_one_machine_hub_url_is_required(tmp_path, monkeypatch):
    app = make_app(tmp_path, "", monkeypatch)
    assert isinstance(app.builder, LocalRepo2dockerBuild)
    assert type(app.launch_quota) is HubLaunchQuota and app.cleaner is None and app.hub_address is None
    app.serves = True
    from binderd.config import ConfigError

    with pytest.raises(ConfigError, match="hub_url"):
        app.init_stages()
