"""Test configuration: the server fixtures live in tests/fixtures/servers.py."""

from tests.fixtures.servers import docker_engine, git_server, hub, registry  # noqa: F401
from tests.fixtures.fake_apis import fake_api_servers, fake_apis  # noqa: F401
from tests.fixtures.token_registry import token_registry  # noqa: F401
from tests.fixtures.kube import kube_cluster, kube_cluster_tls, kube_namespace  # noqa: F401
from tests.fixtures.kube_binderd import kube_binderd, kube_git_server  # noqa: F401
from tests.fixtures.kube_hub import kube_hub  # noqa: F401
