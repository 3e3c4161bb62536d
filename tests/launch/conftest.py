"""Spawner construction for unit tests: KubeSpawner reads a kubeconfig when it is created.

The kubeconfig points at a closed port; the unit tests never call the API, they
only build what KubeSpawner would send.
"""

import kubernetes_asyncio.config.kube_config
import pytest
from kubespawner import clients

KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters: [{name: unit, cluster: {server: "http://127.0.0.1:9"}}]
users: [{name: unit, user: {}}]
contexts: [{name: unit, context: {cluster: unit, user: unit, namespace: binder}}]
current-context: unit
"""


@pytest.fixture
def kubeconfig(tmp_path, monkeypatch):
    path = tmp_path / "kubeconfig"
    path.write_text(KUBECONFIG)
    # the client library reads $KUBECONFIG once, at import
    monkeypatch.setattr(kubernetes_asyncio.config.kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(path))
    clients.load_config.cache_clear()
    yield str(path)
    clients.load_config.cache_clear()
