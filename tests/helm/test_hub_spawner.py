"""The hub side the chart gives zero-to-jupyterhub: BinderSpawner as configuration snippets.

The hub image does not have binderd, so values.yaml carries the text of
binderd/launch/mixin.py ("0-binderspawnermixin", kept identical by
scripts/sync-chart-spawner) and "00-binder" defines BinderSpawner from it and
KubeSpawner. Here the snippets run the way the jupyterhub chart runs them
(in key order, with `c` in scope) against the real KubeSpawner.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys

import kubernetes_asyncio.config.kube_config
import pytest
import yaml
from kubespawner import KubeSpawner, clients
from tornado import web
from traitlets.config import Config

from binderd.launch.mixin import SERVER_PICKER_CMD
from tests.fixtures.procs import REPO_ROOT
from tests.helm.chart import CHART

MIXIN = os.path.join(REPO_ROOT, "binderd", "launch", "mixin.py")
SYNC = os.path.join(REPO_ROOT, "scripts", "sync-chart-spawner")


def extra_config() -> dict[str, str]:
    with open(os.path.join(CHART, "values.yaml")) as f:
        return yaml.safe_load(f)["jupyterhub"]["hub"]["extraConfig"]


def test_chart_carries_the_mixin_source_verbatim():
    with open(MIXIN) as f:
        assert extra_config()["0-binderspawnermixin"] == f.read()
    check = subprocess.run([sys.executable, SYNC, "--check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_sync_script_repairs_a_stale_copy():
    # the script's own transformation: a stale block is replaced, the rest kept
    synced = runpy.run_path(SYNC, run_name="sync_chart_spawner")["synced"]
    stale = "a:\n  0-binderspawnermixin: |\n    old = 1\n\n    more = 2\n  00-binder: |\n    x = 1\n"
    assert synced(stale, "new = 1\n\nsecond = 2\n") == (
        "a:\n  0-binderspawnermixin: |\n    new = 1\n\n    second = 2\n  00-binder: |\n    x = 1\n"
    )


@pytest.fixture
def kubeconfig(tmp_path, monkeypatch):
    """A kubeconfig KubeSpawner can load (the cluster is never contacted)."""
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": "https://127.0.0.1:1"}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test", "namespace": "binder"}}],
        "users": [{"name": "test", "user": {"token": "unused"}}],
    }))
    # kubernetes_asyncio took $KUBECONFIG at import; KubeSpawner caches the loaded config
    monkeypatch.setattr(kubernetes_asyncio.config.kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
    clients.load_config.cache_clear()
    yield
    clients.load_config.cache_clear()


async def test_snippets_define_a_binder_kubespawner(kubeconfig):
    c = Config()
    namespace = {"c": c}
    for name in sorted(extra_config()):  # the order the jupyterhub chart runs them in
        exec(compile(extra_config()[name], f"extraConfig.{name}", "exec"), namespace)
    spawner_class = c.JupyterHub.spawner_class
    assert spawner_class.__name__ == "BinderSpawner"
    assert [k.__name__ for k in spawner_class.__mro__[:3]] == ["BinderSpawner", "BinderSpawnerMixin", "KubeSpawner"]
    assert issubclass(spawner_class, KubeSpawner)

    hub_config = Config()
    hub_config.BinderSpawner.auth_enabled = False  # the chart's jupyterhub.hub.config
    spawner = spawner_class(config=hub_config, _mock=True)
    assert spawner.cmd == SERVER_PICKER_CMD
    spawner.user_options = {"image": "registry.example.org/binder-x:1"}
    with pytest.raises(web.HTTPError, match="token required"):
        spawner.check_user_options()
    spawner.user_options = {"token": "t0ken"}
    with pytest.raises(web.HTTPError, match="image required"):
        spawner.check_user_options()
