"""binderd on Kubernetes: request -> `built` for an image that exists, and the API calls one launch makes.

    python bench/kubernetes.py [--launches 10]

Runs everything the Kubernetes tests run, on this machine: the Kubernetes API
stand-in (tests/fixtures/kubeapi; pods are Docker containers), the registry
with htpasswd auth, a git server on the pods' network, JupyterHub whose
spawner is the chart's BinderSpawner on KubeSpawner, and binderd with the
Kubernetes build executor and a per-repository quota (so every launch counts
the cluster's user pods, as a public BinderHub does). binderd runs in this
process so its own API requests can be counted (KubernetesAPI.requests); the
stand-in's access log counts everyone's (binderd's plus the hub's).

The first request builds the image in a build pod; the following ones find it
in the registry and launch. Figures depend on the machine; tests never check them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from urllib.parse import quote

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from binderd.app import BinderHub  # noqa: E402
from tests.fixtures.kube import start_standin, stop_standin  # noqa: E402
from tests.fixtures.kube_binderd import BUILD_IMAGE, create_push_secret  # noqa: E402
from tests.fixtures.kube_hub import create_ca_secret, kube_hub_config  # noqa: E402
from tests.fixtures.procs import free_port  # noqa: E402
from tests.fixtures.servers import GitServer, start_hub, start_registry  # noqa: E402
from tests.fixtures.sse import read_stream  # noqa: E402


def access_lines(log_path: str) -> int:
    with open(log_path) as f:
        return sum(1 for line in f if "tornado.access" in line)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def run(args, root: str) -> None:
    cluster = start_standin(os.path.join(root, "kubeapi"))
    hub = None
    try:
        namespace = "bench"
        assert cluster.request("POST", "/api/v1/namespaces", {"metadata": {"name": namespace}})[0] == 201
        registry = start_registry(os.path.join(root, "registry"))
        create_push_secret(cluster, namespace, registry)
        create_ca_secret(cluster, namespace)
        git = GitServer(os.path.join(root, "git"), host=cluster.gateway)
        hub_root = os.path.join(root, "hub")
        hub = start_hub(hub_root, extra=kube_hub_config(hub_root, namespace), env=cluster.env())
        repo = git.create("bench-k8s")
        port = free_port()
        config = os.path.join(root, "binderhub_config.py")
        with open(config, "w") as f:
            f.write("\n".join([
                f"c.BinderHub.hub_url = {hub.url!r}",
                f"c.BinderHub.hub_api_token = {hub.api_token!r}",
                f"c.BinderHub.image_prefix = {registry.host + '/binder/bench-'!r}",
                "c.BinderHub.build_class = 'binderd.builder.kubernetes.KubernetesBuildExecutor'",
                "c.BinderHub.per_repo_quota = 100",
                f"c.KubernetesAPI.kubeconfig = {cluster.kubeconfig!r}",
                "c.KubernetesAPI.in_cluster = False",
                f"c.KubernetesPart.namespace = {namespace!r}",
                f"c.KubernetesBuildExecutor.build_image = {BUILD_IMAGE!r}",
                f"c.GitRepoProvider.allowed_networks = [{cluster.gateway + '/32'!r}]",
                f"c.DockerRegistry.url = {registry.url!r}",
                f"c.DockerRegistry.username = {registry.username!r}",
                f"c.DockerRegistry.password = {registry.password!r}",
                "c.DockerRegistry.token_url = ''",
            ]) + "\n")
        app = BinderHub()
        app.initialize(["-f", config, f"--port={port}", "--log-level=WARN"])
        server = asyncio.create_task(app.serve())
        await asyncio.sleep(0.5)
        url = f"http://127.0.0.1:{port}/build/git/{quote(repo.git_url, safe='')}/main"
        api_log = os.path.join(root, "kubeapi", "kubeapi.log")

        started = time.perf_counter()
        first = await read_stream(url)
        assert first.phases[-1] == "ready", first.events[-3:]
        cold = first.times[first.phases.index("built")] - started
        print(f"cold: build pod, push, launch: built after {cold:.1f} s, ready after "
              f"{first.times[-1] - started:.1f} s")
        hub.delete_all_users()

        to_built, to_ready, ours, everyone = [], [], [], []
        for _ in range(args.launches):
            before_ours, before_all = app.kube.requests, access_lines(api_log)
            started = time.perf_counter()
            stream = await read_stream(url)
            assert stream.phases[-1] == "ready", stream.events[-3:]
            to_built.append((stream.times[stream.phases.index("built")] - started) * 1000)
            to_ready.append(stream.times[-1] - started)
            ours.append(app.kube.requests - before_ours)
            await asyncio.sleep(1)  # let the hub's watches report the pod running
            everyone.append(access_lines(api_log) - before_all)
            hub.delete_all_users()
        print(f"cached launches: {args.launches}")
        print(f"  request -> built : p50 {statistics.median(to_built):.1f} ms, p90 {percentile(to_built, 90):.1f} ms")
        print(f"  request -> ready : p50 {statistics.median(to_ready):.2f} s, p90 {percentile(to_ready, 90):.2f} s")
        print(f"  Kubernetes API requests by binderd per launch: {sorted(set(ours))}")
        print(f"  Kubernetes API requests in all (binderd + the hub's KubeSpawner) during a launch: "
              f"median {statistics.median(everyone):.0f} (min {min(everyone)}, max {max(everyone)})")
        server.cancel()
        git.stop()
        registry.process.stop()
    finally:
        if hub is not None:
            hub.delete_all_users()
            hub.process.stop()
        stop_standin(cluster)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--launches", type=int, default=10, help="cached launches to measure")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="binderd-bench-k8s-") as root:
        asyncio.run(run(args, root))


if __name__ == "__main__":
    main()
