"""The Kubernetes API stand-in behaves as a real API server does, seen through kubernetes_asyncio.

Each test is one behaviour of a real server: server-filled metadata, Status
errors, selectors, watches from a resourceVersion (and 410 once it is too old),
pods run on Docker with status, events and logs, graceful deletion, TLS and
bearer tokens.
"""

from __future__ import annotations

import asyncio
import base64
import subprocess

import pytest
from kubernetes_asyncio import client, config, watch
from kubernetes_asyncio.client.rest import ApiException

from tests.fixtures.kube import KubeCluster, start_standin, stop_standin

IMAGE = "binderd/bookworm:latest"


async def core_api(cluster: KubeCluster) -> client.CoreV1Api:
    configuration = client.Configuration()
    await config.load_kube_config(config_file=cluster.kubeconfig, client_configuration=configuration)
    return client.CoreV1Api(client.ApiClient(configuration))


@pytest.fixture
async def api(kube_cluster):
    core = await core_api(kube_cluster)
    yield core
    await core.api_client.close()


def pod(name: str, script: str, labels: dict | None = None, **spec) -> dict:
    return {"metadata": {"name": name, "labels": labels or {}},
            "spec": {"containers": [{"name": "main", "image": IMAGE, "command": ["sh", "-c", script]}],
                     "terminationGracePeriodSeconds": 1, **spec}}


def secret_obj(name: str, **kwargs) -> dict:
    return {"metadata": {"name": name}, **kwargs}


async def until(check, timeout: float = 30):
    """Poll an async check until it returns something truthy (a safety net, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.1)


async def test_create_fills_metadata_and_a_duplicate_is_409(api, kube_namespace):
    created = await api.create_namespaced_secret(kube_namespace, secret_obj("s1", stringData={"k": "v"}))
    assert created.metadata.uid and created.metadata.creation_timestamp
    assert int(created.metadata.resource_version) > 0
    assert created.data == {"k": base64.b64encode(b"v").decode()} and created.type == "Opaque"
    with pytest.raises(ApiException) as e:
        await api.create_namespaced_secret(kube_namespace, secret_obj("s1"))
    assert e.value.status == 409 and '"reason":"AlreadyExists"' in e.value.body.replace(" ", "")
    got = await api.read_namespaced_secret("s1", kube_namespace)
    assert got.metadata.uid == created.metadata.uid
    generated = await api.create_namespaced_config_map(kube_namespace, {"metadata": {"generateName": "cm-"}})
    assert generated.metadata.name.startswith("cm-") and len(generated.metadata.name) == 8
    assert int(generated.metadata.resource_version) > int(created.metadata.resource_version)


async def test_missing_objects_are_404_and_invalid_ones_422(api, kube_namespace):
    with pytest.raises(ApiException) as e:
        await api.read_namespaced_pod("nope", kube_namespace)
    assert e.value.status == 404 and 'pods \\"nope\\" not found' in e.value.body
    with pytest.raises(ApiException) as e:
        await api.create_namespaced_secret(kube_namespace, {"metadata": {}})
    assert e.value.status == 422 and "name or generateName is required" in e.value.body
    with pytest.raises(ApiException) as e:
        await api.create_namespaced_secret("no-such-namespace", secret_obj("s"))
    assert e.value.status == 404 and "namespaces" in e.value.body


async def test_list_with_label_and_field_selectors(api, kube_namespace):
    for name, labels in (("a", {"app": "x", "tier": "web"}), ("b", {"app": "y"}), ("c", {"app": "x", "tier": "db"})):
        await api.create_namespaced_config_map(kube_namespace, {"metadata": {"name": name, "labels": labels}})

    async def names(**kwargs) -> list[str]:
        listed = await api.list_namespaced_config_map(kube_namespace, **kwargs)
        assert int(listed.metadata.resource_version) > 0
        return sorted(i.metadata.name for i in listed.items)

    assert await names(label_selector="app=x") == ["a", "c"]
    assert await names(label_selector="app==x,tier!=db") == ["a"]
    assert await names(label_selector="app in (y, z)") == ["b"]
    assert await names(label_selector="app notin (x)") == ["b"]
    assert await names(label_selector="tier") == ["a", "c"]
    assert await names(label_selector="!tier") == ["b"]
    assert await names(field_selector="metadata.name=b") == ["b"]
    assert await names(field_selector="metadata.name!=b", label_selector="app=x") == ["a", "c"]
    with pytest.raises(ApiException) as e:
        await names(field_selector="spec.nope=1")
    assert e.value.status == 400


async def test_watch_from_a_resource_version_sees_exactly_the_later_changes(api, kube_namespace):
    await api.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "before"}})
    start = (await api.list_namespaced_config_map(kube_namespace)).metadata.resource_version
    await api.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "w", "labels": {"x": "1"}}})
    await api.patch_namespaced_config_map("w", kube_namespace, {"data": {"k": "v"}})
    await api.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "other", "labels": {"x": "2"}}})
    await api.delete_namespaced_config_map("w", kube_namespace)
    seen = []
    async with watch.Watch().stream(api.list_namespaced_config_map, kube_namespace, label_selector="x=1",
                                    resource_version=start, timeout_seconds=1) as stream:
        async for event in stream:
            seen.append((event["type"], event["object"].metadata.name, (event["object"].data or {}).get("k")))
    assert seen == [("ADDED", "w", None), ("MODIFIED", "w", "v"), ("DELETED", "w", "v")]


async def test_watch_without_a_version_starts_with_the_current_objects(api, kube_namespace):
    await api.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "old"}})
    seen = []
    w = watch.Watch()
    async with w.stream(api.list_namespaced_config_map, kube_namespace, timeout_seconds=5) as stream:
        async for event in stream:
            seen.append((event["type"], event["object"].metadata.name))
            if len(seen) == 1:
                await api.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "new"}})
            else:
                w.stop()
                break
    assert seen == [("ADDED", "old"), ("ADDED", "new")]


async def test_a_pod_runs_on_docker_fails_with_its_exit_code_and_logs(api, kube_namespace, kube_cluster):
    await api.create_namespaced_pod(kube_namespace, pod("p", "echo hello; sleep 1; echo again; exit 3"))
    phases = []
    async with watch.Watch().stream(api.list_namespaced_pod, kube_namespace, field_selector="metadata.name=p",
                                    timeout_seconds=30) as stream:
        async for event in stream:
            phase = event["object"].status.phase
            if not phases or phases[-1] != phase:
                phases.append(phase)
            if phase == "Running" and len(phases) == 2:
                lines = []
                async with watch.Watch().stream(api.read_namespaced_pod_log, "p", kube_namespace,
                                                follow=True) as log:
                    async for line in log:
                        lines.append(line)
                assert lines == ["hello\n", "again\n"]
            if phase in ("Succeeded", "Failed"):
                break
    assert phases == ["Pending", "Running", "Failed"]
    got = await api.read_namespaced_pod("p", kube_namespace)
    state = got.status.container_statuses[0].state.terminated
    assert (state.exit_code, state.reason) == (3, "Error")
    assert got.spec.node_name and got.status.pod_ip and got.status.host_ip == kube_cluster.gateway
    assert {c.type: c.status for c in got.status.conditions}["Ready"] == "False"
    assert await api.read_namespaced_pod_log("p", kube_namespace) == "hello\nagain\n"
    events = await api.list_namespaced_event(kube_namespace, field_selector="involvedObject.name=p")
    reasons = [e.reason for e in events.items]
    assert reasons[:1] == ["Scheduled"] and {"Pulled", "Created", "Started"} <= set(reasons)


async def test_log_of_a_container_not_started_yet_is_400(api, kube_namespace):
    await api.create_namespaced_pod(kube_namespace, pod("late", "true", volumes=[
        {"name": "s", "secret": {"secretName": "not-yet"}}]))
    with pytest.raises(ApiException) as e:
        await api.read_namespaced_pod_log("late", kube_namespace)
    assert e.value.status == 400
    assert 'container \\"main\\" in pod \\"late\\" is waiting to start' in e.value.body


async def test_delete_with_grace_zero_removes_the_container(api, kube_namespace, kube_cluster):
    await api.create_namespaced_pod(kube_namespace, pod("sleeper", "sleep 600", labels={"del": "me"}))

    async def running():
        p = await api.read_namespaced_pod("sleeper", kube_namespace)
        return p if p.status.phase == "Running" else None
    running_pod = await until(running)
    container = running_pod.status.container_statuses[0].container_id.removeprefix("docker://")
    assert subprocess.run(["docker", "inspect", container], capture_output=True).returncode == 0
    version = running_pod.metadata.resource_version
    deleted = await api.delete_namespaced_pod("sleeper", kube_namespace, grace_period_seconds=0)
    assert deleted.metadata.deletion_timestamp is not None
    types = []
    async with watch.Watch().stream(api.list_namespaced_pod, kube_namespace, label_selector="del=me",
                                    resource_version=version, timeout_seconds=30) as stream:
        async for event in stream:
            types.append(event["type"])
            if event["type"] == "DELETED":
                break
    assert types[-1] == "DELETED"
    assert subprocess.run(["docker", "inspect", container], capture_output=True).returncode != 0
    with pytest.raises(ApiException) as e:
        await api.read_namespaced_pod("sleeper", kube_namespace)
    assert e.value.status == 404
