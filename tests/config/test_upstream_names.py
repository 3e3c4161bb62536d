"""Configuration files that name upstream BinderHub's classes as strings work unchanged."""

from __future__ import annotations

from traitlets.utils.importstring import import_item

from binderd.app import BinderHub
from binderd.builder.kubernetes import KubernetesBuildExecutor
from binderd.builder.local import LocalRepo2dockerBuild
from binderd.config.upstream_names import UPSTREAM_CLASSES
from binderd.providers import GitHubRepoProvider, GitRepoProvider


def test_every_mapped_name_imports():
    for upstream, ours in UPSTREAM_CLASSES.items():
        assert import_item(ours).__name__ == upstream.rsplit(".", 1)[1]


def test_upstreams_local_setup_config_loads(tmp_path, monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    path = tmp_path / "binderhub_config.py"
    path.write_text("\n".join([
        "c.BinderHub.hub_url = 'http://127.0.0.1:8000'",
        "c.BinderHub.use_registry = False",
        "c.BinderHub.build_class = 'binderhub.build_local.LocalRepo2dockerBuild'",
        "c.BinderHub.launch_quota_class = 'binderhub.quota.LaunchQuota'",
        "c.BinderHub.repo_providers = {'gh': 'binderhub.repoproviders.GitHubRepoProvider',",
        "                              'git': 'binderhub.repoproviders.GitRepoProvider'}",
    ]))
    app = BinderHub()
    app.initialize(["-f", str(path)])
    assert isinstance(app.builder, LocalRepo2dockerBuild)
    assert app.repo_providers == {"gh": GitHubRepoProvider, "git": GitRepoProvider}


def test_upstreams_kubernetes_executor_name(tmp_path, monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    path = tmp_path / "config.yaml"
    path.write_text("config:\n  BinderHub:\n    hub_url: http://hub\n"
                    "    build_class: binderhub.build.KubernetesBuildExecutor\n")
    app = BinderHub()
    app.initialize(["-f", str(path)])
    assert isinstance(app.builder, KubernetesBuildExecutor)
