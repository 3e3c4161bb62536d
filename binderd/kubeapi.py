"""How binderd reaches the Kubernetes API: one client per process, made in the running loop.

Every Kubernetes-facing part (build pods, their cleaner, launch quotas, health,
finding the hub's public address) asks `KubernetesAPI.core()` for the CoreV1
client instead of loading configuration itself. Inside a pod the service
account is used (as upstream does); elsewhere a kubeconfig file. The client is
the asyncio one, so no call blocks the event loop.

The client library is large (its models alone cost about 90 MB): it is
imported when the first request is made, so a binderd that never talks to
Kubernetes never loads it. Every call reads the answer itself and raises this
module's `ApiException` for a non-2xx status.
"""

from __future__ import annotations

import asyncio
import json
import os

from traitlets import Bool, Float, Instance, Unicode, default
from traitlets.config import LoggingConfigurable

SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

__all__ = ["ApiException", "KubernetesAPI", "KubernetesPart", "default_namespace", "ensure_ok", "read_json"]


class ApiException(Exception):
    """The Kubernetes API answered with an error status (`status`, `reason`, and the `body`, cut)."""

    def __init__(self, status: int, reason: str = "", body: str = ""):
        super().__init__(f"{status} {reason}")
        self.status = status
        self.reason = reason
        self.body = body


async def ensure_ok(response) -> None:
    """Raise ApiException for a non-2xx answer to a `_preload_content=False` call.

    Without preloading, the client hands back any answer, errors included: a 401
    or 403 must not read as an empty list.
    """
    if not 200 <= response.status <= 299:
        body = (await response.read())[:2000].decode("utf-8", "replace")
        response.release()
        raise ApiException(response.status, response.reason or "", body)


async def read_json(response) -> dict:
    """The JSON body of a `_preload_content=False` answer, after ensure_ok."""
    async with response:
        await ensure_ok(response)
        return json.loads(await response.read())


def default_namespace() -> str:
    """Where builds and quotas live unless configured: $BUILD_NAMESPACE, else "default" (upstream's)."""
    return os.environ.get("BUILD_NAMESPACE", "default")


class KubernetesAPI(LoggingConfigurable):
    """The connection to the Kubernetes API that binderd's Kubernetes parts share."""

    in_cluster = Bool(
        help="""Use the pod's service account (token and CA under service_account_dir).
        Default: True when $KUBERNETES_SERVICE_HOST is set, i.e. binderd runs in a pod.""",
    ).tag(config=True)

    service_account_dir = Unicode(
        SERVICE_ACCOUNT_DIR,
        help="Directory holding the service account's `token` and `ca.crt` (in-cluster mode).",
    ).tag(config=True)

    kubeconfig = Unicode(
        help="kubeconfig file used outside a cluster. Default: $KUBECONFIG, else ~/.kube/config.",
    ).tag(config=True)

    context = Unicode("", help="kubeconfig context to use (empty: the file's current context).").tag(config=True)

    request_timeout = Float(
        30, help="Seconds an API request (other than a watch or a followed log) may take."
    ).tag(config=True)

    connect_timeout = Float(3, help="Seconds to connect to the API server.").tag(config=True)

    @default("in_cluster")
    def _default_in_cluster(self) -> bool:
        return bool(os.environ.get("KUBERNETES_SERVICE_HOST"))

    @default("kubeconfig")
    def _default_kubeconfig(self) -> str:
        return os.environ.get("KUBECONFIG", "").split(os.pathsep)[0] or os.path.expanduser("~/.kube/config")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._api_client = None  # a kubernetes_asyncio ApiClient, made on first use
        self._lock: asyncio.Lock | None = None
        self._requests = 0

    @property
    def timeout(self) -> tuple[float, float]:
        """The `_request_timeout` for ordinary calls: (connect, total)."""
        return (self.connect_timeout, self.request_timeout)

    async def _make_client(self):
        from kubernetes_asyncio import client, config

        owner = self

        class CountingApiClient(client.ApiClient):
            def request(self, *args, **kwargs):
                owner._requests += 1
                return super().request(*args, **kwargs)

        configuration = client.Configuration()
        if self.in_cluster:
            config.load_incluster_config(
                client_configuration=configuration,
                token_filename=os.path.join(self.service_account_dir, "token"),
                cert_filename=os.path.join(self.service_account_dir, "ca.crt"),
            )
            where = "the pod's service account"
        else:
            await config.load_kube_config(
                config_file=self.kubeconfig, context=self.context or None, client_configuration=configuration
            )
            where = self.kubeconfig
        self.log.info("Kubernetes API at %s (from %s)", configuration.host, where)
        return CountingApiClient(configuration)

    @property
    def requests(self) -> int:
        """HTTP requests made to the API server so far."""
        return self._requests

    async def api_client(self):
        """The shared ApiClient, created on first use inside the running loop."""
        if self._api_client is None:
            if self._lock is None:
                self._lock = asyncio.Lock()
            async with self._lock:
                if self._api_client is None:
                    self._api_client = await self._make_client()
        return self._api_client

    async def core(self):
        """The CoreV1 API (pods, pods/log, services, events). Call it with `_preload_content=False`
        and read the answer with `read_json` or `ensure_ok`."""
        from kubernetes_asyncio.client import CoreV1Api

        return CoreV1Api(await self.api_client())

    async def list_pods(self, namespace: str, label_selector: str) -> list[dict]:
        """The pods matching `label_selector` in `namespace`, as the API's JSON."""
        core = await self.core()
        response = await core.list_namespaced_pod(
            namespace, label_selector=label_selector, _preload_content=False, _request_timeout=self.timeout
        )
        return (await read_json(response)).get("items", [])

    async def create_pod(self, namespace: str, manifest: dict) -> dict:
        """Create a pod; ApiException(409) if one of that name exists."""
        core = await self.core()
        response = await core.create_namespaced_pod(
            namespace, manifest, _preload_content=False, _request_timeout=self.timeout
        )
        return await read_json(response)

    async def delete_pod(self, namespace: str, name: str, grace_period_seconds: int = 0) -> None:
        """Delete a pod; ApiException(404) if there is none."""
        core = await self.core()
        response = await core.delete_namespaced_pod(
            name, namespace, grace_period_seconds=grace_period_seconds, _preload_content=False,
            _request_timeout=self.timeout,
        )
        await read_json(response)

    async def read_service(self, namespace: str, name: str) -> dict:
        """A Service as the API's JSON; ApiException(404) if there is none."""
        core = await self.core()
        response = await core.read_namespaced_service(
            name, namespace, _preload_content=False, _request_timeout=self.timeout
        )
        return await read_json(response)

    async def close(self) -> None:
        if self._api_client is not None:
            await self._api_client.close()
            self._api_client = None


class KubernetesPart(LoggingConfigurable):
    """Base of binderd's parts that work in one namespace through the shared API connection."""

    kube = Instance(KubernetesAPI, help="The Kubernetes API connection (shared with the app's other parts).")
    namespace = Unicode(
        help="Namespace of the build and user pods (and the hub's Service). "
        "Default: $BUILD_NAMESPACE, else 'default'.",
    ).tag(config=True)

    @default("kube")
    def _default_kube(self) -> KubernetesAPI:
        return KubernetesAPI(parent=self)

    @default("namespace")
    def _default_namespace(self) -> str:
        return default_namespace()
