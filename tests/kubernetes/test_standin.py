"""The Kubernetes API stand-in behaves as a real API server does, seen through kubernetes_asyncio.

Each test is one behaviour of a real server: server-filled metadata, Status
errors, selectors, watches from a resourceVersion (and 410 once it is too old),
pods run on Docker with status, events and logs, graceful deletion, TLS and
bearer tokens.
"""

from __future__ import annotations

import asyncio
import base64

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


async def docker(*args: str) -> tuple[int, str]:
    """Run the docker CLI off the event loop: (returncode, stdout)."""
    proc = await asyncio.create_subprocess_exec("docker", *args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.DEVNULL)
    out, _ = await proc.communicate()
    return proc.returncode, out.decode()


async def until(check, limit: float = 30):
    """Poll an async check until it returns something truthy (a safety net, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        result = await check()
        if result:
            return result
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.1)


async def in_phase(api: client.CoreV1Api, namespace: str, name: str, *phases: str):
    """The pod once its phase is one of `phases` (by default, either end phase)."""
    phases = phases or ("Succeeded", "Failed")

    async def check():
        p = await api.read_namespaced_pod(name, namespace)
        return p if p.status.phase in phases else None
    return await until(check)


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
    assert await api.read_namespaced_pod_log("p", kube_namespace, tail_lines=1) == "again\n"
    stamped = (await api.read_namespaced_pod_log("p", kube_namespace, timestamps=True)).splitlines()
    assert [line.split(" ", 1)[1] for line in stamped] == ["hello", "again"]
    assert stamped[0][:4].isdigit() and stamped[0].split(" ")[0].endswith("Z")
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

    running_pod = await in_phase(api, kube_namespace, "sleeper", "Running")
    container = running_pod.status.container_statuses[0].container_id.removeprefix("docker://")
    assert (await docker("inspect", container))[0] == 0
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
    assert (await docker("inspect", container))[0] != 0
    with pytest.raises(ApiException) as e:
        await api.read_namespaced_pod("sleeper", kube_namespace)
    assert e.value.status == 404


async def test_an_update_with_a_stale_resource_version_conflicts(api, kube_namespace):
    first = await api.create_namespaced_config_map(kube_namespace, {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    second = await api.replace_namespaced_config_map("cm", kube_namespace, {
        "metadata": {"name": "cm", "resourceVersion": first.metadata.resource_version}, "data": {"a": "2"}})
    assert int(second.metadata.resource_version) > int(first.metadata.resource_version)
    with pytest.raises(ApiException) as e:
        await api.replace_namespaced_config_map("cm", kube_namespace, {
            "metadata": {"name": "cm", "resourceVersion": first.metadata.resource_version}, "data": {"a": "3"}})
    assert e.value.status == 409 and "the object has been modified" in e.value.body
    assert (await api.read_namespaced_config_map("cm", kube_namespace)).data == {"a": "2"}


async def test_a_resource_version_older_than_the_history_is_gone(tmp_path, docker_engine):
    cluster = start_standin(str(tmp_path), history=4)
    try:
        api = await core_api(cluster)
        namespace = "default"
        first = await api.create_namespaced_config_map(namespace, {"metadata": {"name": "c0"}})
        for i in range(1, 6):
            await api.create_namespaced_config_map(namespace, {"metadata": {"name": f"c{i}"}})
        with pytest.raises(ApiException) as e:
            async with watch.Watch().stream(api.list_namespaced_config_map, namespace, timeout_seconds=1,
                                            resource_version=first.metadata.resource_version) as stream:
                async for _ in stream:
                    pass
        assert e.value.status == 410 and "too old resource version" in e.value.reason
        recent = (await api.list_namespaced_config_map(namespace)).metadata.resource_version
        async with watch.Watch().stream(api.list_namespaced_config_map, namespace, timeout_seconds=1,
                                        resource_version=recent, allow_watch_bookmarks=True) as stream:
            assert [e["type"] async for e in stream] == ["BOOKMARK"]  # a current version still watches
        await api.api_client.close()
    finally:
        stop_standin(cluster)


async def test_a_pod_sees_its_secret_volume_env_user_and_workdir(api, kube_namespace):
    await api.create_namespaced_secret(kube_namespace, secret_obj(
        "creds", stringData={"token": "s3cret", "other": "unused"}))
    script = ("cat /etc/creds/sub/tok; echo; cat /etc/one-file; echo; echo $TOKEN $POD_NAME $PLAIN; "
              "id -u; id -g; pwd; ls /etc/creds; echo x > /scratch/f && cat /scratch/f")
    spec = pod("reader", script)["spec"]
    spec["containers"][0].update(
        workingDir="/tmp",
        env=[{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}},
             {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
             {"name": "PLAIN", "value": "plain value"}],
        volumeMounts=[{"name": "creds", "mountPath": "/etc/creds"},
                      {"name": "whole", "mountPath": "/etc/one-file", "subPath": "token"},
                      {"name": "scratch", "mountPath": "/scratch"}])
    spec.update(securityContext={"runAsUser": 1000, "runAsGroup": 1000}, volumes=[
        {"name": "creds", "secret": {"secretName": "creds", "items": [{"key": "token", "path": "sub/tok"}]}},
        {"name": "whole", "secret": {"secretName": "creds"}},
        {"name": "scratch", "emptyDir": {}}])
    await api.create_namespaced_pod(kube_namespace, {"metadata": {"name": "reader"}, "spec": spec})

    finished = await in_phase(api, kube_namespace, "reader")
    log = await api.read_namespaced_pod_log("reader", kube_namespace)
    assert finished.status.phase == "Succeeded", log
    assert log.splitlines() == ["s3cret", "s3cret", "s3cret reader plain value", "1000", "1000", "/tmp", "sub", "x"]
    assert finished.status.container_statuses[0].state.terminated.reason == "Completed"


async def test_a_missing_image_gives_failed_events_and_a_waiting_reason(api, kube_namespace):
    body = pod("nope", "true")
    body["spec"]["containers"][0]["image"] = "127.0.0.1:9/missing/image:1"
    await api.create_namespaced_pod(kube_namespace, body)

    async def failed_events():
        events = await api.list_namespaced_event(kube_namespace, field_selector="involvedObject.name=nope,type=Warning")
        return [e for e in events.items if e.reason == "Failed"]
    events = await until(failed_events)
    assert 'Failed to pull image "127.0.0.1:9/missing/image:1"' in events[0].message
    async def repeated():  # the kubelet retries the pull; the repeats count on the first event
        events = await failed_events()
        return [e for e in events if e.message == "Error: ErrImagePull" and e.count >= 2]
    await until(repeated)
    got = await api.read_namespaced_pod("nope", kube_namespace)
    assert got.status.phase == "Pending"
    assert got.status.container_statuses[0].state.waiting.reason in ("ErrImagePull", "ImagePullBackOff")


async def test_graceful_delete_sends_sigterm_and_waits(api, kube_namespace, kube_cluster):
    script = "trap 'echo bye; exit 0' TERM; echo up; while true; do sleep 0.1; done"
    await api.create_namespaced_pod(kube_namespace, pod("graceful", script, labels={"g": "1"},
                                                        terminationGracePeriodSeconds=20))

    async def up():
        p = await api.read_namespaced_pod("graceful", kube_namespace)
        if p.status.phase == "Running" and "up" in await api.read_namespaced_pod_log("graceful", kube_namespace):
            return p
    version = (await until(up)).metadata.resource_version
    await api.delete_namespaced_pod("graceful", kube_namespace)
    seen = []
    async with watch.Watch().stream(api.list_namespaced_pod, kube_namespace, label_selector="g=1",
                                    resource_version=version, timeout_seconds=30) as stream:
        async for event in stream:
            seen.append(event)
            if event["type"] == "DELETED":
                break
    marked = next(e["object"] for e in seen if e["object"].metadata.deletion_timestamp)
    assert marked.metadata.deletion_grace_period_seconds == 20
    final = seen[-1]["object"]
    assert seen[-1]["type"] == "DELETED"
    assert final.status.container_statuses[0].state.terminated.exit_code == 0  # stopped by SIGTERM, not killed
    assert final.status.container_statuses[0].container_id[len("docker://"):] not in (
        await asyncio.to_thread(kube_cluster.containers))
    killing = await api.list_namespaced_event(kube_namespace, field_selector="involvedObject.name=graceful,reason=Killing")
    assert killing.items


async def test_deleting_a_namespace_deletes_its_pods(api, kube_cluster):
    await api.create_namespace({"metadata": {"name": "doomed"}})
    await api.create_namespaced_pod("doomed", pod("in-doomed", "sleep 600"))

    container = (await in_phase(api, "doomed", "in-doomed", "Running")).status.container_statuses[0].container_id[len("docker://"):]
    assert (await api.delete_namespace("doomed")).status == "Success"
    assert (await api.read_namespace("doomed")).status.phase == "Terminating"
    with pytest.raises(ApiException) as e:
        await api.create_namespaced_config_map("doomed", {"metadata": {"name": "late"}})
    assert e.value.status == 403

    async def gone():
        try:
            await api.read_namespace("doomed")
        except ApiException as e:
            return e.status == 404
    await until(gone)
    assert container not in (await asyncio.to_thread(kube_cluster.containers))
    assert (await api.list_pod_for_all_namespaces(field_selector="metadata.namespace=doomed")).items == []


async def test_what_kubespawner_lists_across_namespaces(api, kube_namespace):
    await api.create_namespaced_pod(kube_namespace, pod("spawned", "sleep 600", labels={"component": "singleuser-server"}))
    await api.create_namespaced_pod(kube_namespace, pod("other", "sleep 600", labels={"component": "build"}))
    pods = await api.list_pod_for_all_namespaces(label_selector="component=singleuser-server")
    assert [p.metadata.name for p in pods.items] == ["spawned"]

    async def scheduled():
        events = await api.list_event_for_all_namespaces(field_selector="involvedObject.kind=Pod")
        return {e.involved_object.name for e in events.items if e.metadata.namespace == kube_namespace} >= {"spawned", "other"}
    await until(scheduled)


async def test_tls_cluster_requires_the_right_token(kube_cluster_tls):
    cluster = kube_cluster_tls
    wrong = client.Configuration(host=cluster.url, api_key={"authorization": "Bearer not-the-token"})
    wrong.ssl_ca_cert = cluster.ca_path
    async with client.ApiClient(wrong) as raw:
        with pytest.raises(ApiException) as e:
            await client.CoreV1Api(raw).list_namespace()
        assert e.value.status == 401 and '"reason": "Unauthorized"' in e.value.body
    api = await core_api(cluster)  # the kubeconfig's token and CA
    assert "default" in [n.metadata.name for n in (await api.list_namespace()).items]
    await api.api_client.close()
    port = cluster.url.rsplit(":", 1)[1]
    in_cluster = client.Configuration()
    config.incluster_config.InClusterConfigLoader(
        token_filename=cluster.token_path, cert_filename=cluster.ca_path,
        environ={"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port},
    ).load_and_set(in_cluster)
    async with client.ApiClient(in_cluster) as raw:
        assert (await client.CoreV1Api(raw).read_namespace("default")).status.phase == "Active"


async def test_init_containers_run_first_and_host_network_and_limits_apply(api, kube_namespace):
    spec = pod("staged", "cat /shared/msg; echo main", hostNetwork=True)["spec"]
    spec["containers"][0].update(volumeMounts=[{"name": "shared", "mountPath": "/shared"}],
                                 resources={"limits": {"memory": "64Mi", "cpu": "500m"}})
    spec.update(volumes=[{"name": "shared", "emptyDir": {}}], initContainers=[
        {"name": "first", "image": IMAGE, "command": ["sh", "-c", "echo from-init > /shared/msg"],
         "volumeMounts": [{"name": "shared", "mountPath": "/shared"}]}])
    await api.create_namespaced_pod(kube_namespace, {"metadata": {"name": "staged"}, "spec": spec})

    finished = await in_phase(api, kube_namespace, "staged")
    assert finished.status.phase == "Succeeded"
    assert finished.status.init_container_statuses[0].state.terminated.reason == "Completed"
    assert finished.status.pod_ip == finished.status.host_ip == "127.0.0.1"
    assert finished.status.qos_class == "Burstable"
    assert await api.read_namespaced_pod_log("staged", kube_namespace) == "from-init\nmain\n"
    assert await api.read_namespaced_pod_log("staged", kube_namespace, container="first") == ""
    container = finished.status.container_statuses[0].container_id[len("docker://"):]
    template = "{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.NetworkMode}}"
    limits = (await docker("inspect", "--format", template, container))[1].split()
    assert limits == [str(64 * 2**20), "500000000", "host"]


async def test_a_container_that_cannot_start_fails_the_pod_with_an_event(api, kube_namespace):
    body = pod("broken", "")
    body["spec"]["containers"][0]["command"] = ["/no/such/binary"]
    await api.create_namespaced_pod(kube_namespace, body)

    finished = await in_phase(api, kube_namespace, "broken")
    assert finished.status.phase == "Failed"
    assert finished.status.container_statuses[0].state.terminated.reason == "StartError"
    events = await api.list_namespaced_event(kube_namespace, field_selector="involvedObject.name=broken,type=Warning")
    assert any(e.reason == "Failed" and "/no/such/binary" in e.message for e in events.items)


async def test_owned_objects_go_with_their_owner_and_pod_specs_are_immutable(api, kube_namespace):
    owner = await api.create_namespaced_pod(kube_namespace, pod("owner", "sleep 600"))
    reference = {"apiVersion": "v1", "kind": "Pod", "name": "owner", "uid": owner.metadata.uid}
    await api.create_namespaced_secret(kube_namespace, {"metadata": {"name": "owned", "ownerReferences": [reference]}})
    service = await api.create_namespaced_service(kube_namespace, {
        "metadata": {"name": "owned", "ownerReferences": [reference]},
        "spec": {"selector": {"app": "x"}, "ports": [{"port": 80, "targetPort": 8888}]}})
    assert service.spec.cluster_ip and service.spec.type == "ClusterIP"
    await api.create_namespaced_secret(kube_namespace, {"metadata": {"name": "unowned"}})
    with pytest.raises(ApiException) as e:
        await api.patch_namespaced_pod("owner", kube_namespace, {"spec": {"restartPolicy": "Never"}})
    assert e.value.status == 422 and "pod updates may not change fields" in e.value.body
    labelled = await api.patch_namespaced_pod("owner", kube_namespace, {"metadata": {"labels": {"new": "label"}}})
    assert labelled.metadata.labels == {"new": "label"}
    await api.delete_namespaced_pod("owner", kube_namespace, grace_period_seconds=0)

    async def collected():
        names = [s.metadata.name for s in (await api.list_namespaced_secret(kube_namespace)).items]
        services = (await api.list_namespaced_service(kube_namespace)).items
        return names == ["unowned"] and not services
    await until(collected)


async def test_a_container_over_its_memory_limit_is_oom_killed(api, kube_namespace):
    body = pod("hungry", "exec tail /dev/zero")  # one endless line: tail's buffer grows until the limit
    body["spec"]["containers"][0]["resources"] = {"limits": {"memory": "32Mi"}}
    await api.create_namespaced_pod(kube_namespace, body)
    finished = await in_phase(api, kube_namespace, "hungry")
    assert finished.status.phase == "Failed"
    assert finished.status.container_statuses[0].state.terminated.reason == "OOMKilled"


async def test_containers_of_a_pod_share_its_ip_and_hostname(api, kube_namespace):
    script = "echo $POD_IP; hostname; hostname -I"
    env = [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]
    await api.create_namespaced_pod(kube_namespace, {"metadata": {"name": "pair"}, "spec": {
        "terminationGracePeriodSeconds": 1,
        "containers": [{"name": name, "image": IMAGE, "command": ["sh", "-c", script], "env": env}
                       for name in ("one", "two")]}})
    finished = await in_phase(api, kube_namespace, "pair")
    assert finished.status.phase == "Succeeded"
    ip = finished.status.pod_ip
    for name in ("one", "two"):
        lines = (await api.read_namespaced_pod_log("pair", kube_namespace, container=name)).split()
        assert lines == [ip, "pair", ip]
    with pytest.raises(ApiException) as e:
        await api.read_namespaced_pod_log("pair", kube_namespace)
    assert e.value.status == 400 and "a container name must be specified for pod pair" in e.value.body


async def test_a_server_in_a_pod_is_reachable_at_the_pod_ip(api, kube_namespace, docker_engine):
    await api.create_namespaced_pod(kube_namespace, {"metadata": {"name": "web"}, "spec": {
        "terminationGracePeriodSeconds": 1,
        "containers": [{"name": "web", "image": docker_engine, "workingDir": "/tmp",
                        "command": ["sh", "-c", "echo served > index.html; exec python3 -m http.server 8000"],
                        "ports": [{"containerPort": 8000}]}]}})
    ip = (await in_phase(api, kube_namespace, "web", "Running")).status.pod_ip

    async def fetch():
        try:
            reader, writer = await asyncio.open_connection(ip, 8000)
        except OSError:
            return None
        writer.write(b"GET /index.html HTTP/1.0\r\n\r\n")
        body = await reader.read()
        writer.close()
        return body
    assert (await until(fetch)).endswith(b"served\n")
