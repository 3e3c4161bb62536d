"""Builds as pods: a real repo2docker build in a build pod on the Kubernetes API stand-in.

The build pod runs binderd's build image with the host's Docker socket and the
push Secret, clones from the git server on the pods' network, builds with
repo2docker and pushes to the real registry. One pod per image, whatever asks:
two binderd processes at once, or one binderd killed and started again.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import subprocess
import urllib.request
from urllib.parse import quote

from tests.fixtures.procs import REPO_ROOT
from tests.fixtures.sse import read_stream

BUILD_SELECTOR = "component=binderhub-build"


def build_url(binderd, repo_url: str, ref: str = "main") -> str:
    return f"{binderd.url}build/git/{quote(repo_url, safe='')}/{ref}"


def manifest_status(registry, repository: str, tag: str) -> int:
    import base64

    token = base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()
    request = urllib.request.Request(
        f"{registry.url}/v2/{repository}/manifests/{tag}", method="HEAD",
        headers={"Authorization": f"Basic {token}",
                 "Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def slow_dockerfile(marker: str, seconds: int) -> str:
    # Each build prints a fresh random number: one number in every log means one build.
    # The nonce keeps Docker's layer cache (which outlives test runs) from skipping the step.
    return (
        "FROM binderd/jupyter-base:latest\n"
        f"RUN echo {marker}-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ') {secrets.token_hex(4)} && sleep {seconds}\n"
        "COPY --chown=1000:1000 . /home/jovyan/\n"
    )


def markers(stream, marker: str) -> set[str]:
    return {m for e in stream.events for m in re.findall(rf"{marker}-\d+", str(e.get("message", "")))}


async def wait_for_pod(kb, predicate, timeout: float = 60) -> list[dict]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        pods = await asyncio.to_thread(kb.pods, BUILD_SELECTOR)
        if predicate(pods):
            return pods
        assert asyncio.get_running_loop().time() < deadline, pods
        await asyncio.sleep(0.3)


async def test_a_build_pod_builds_pushes_and_is_deleted(kube_binderd):
    kb = kube_binderd
    binderd = kb.start()
    repo = kb.git.create("k8s-build", {"Dockerfile": slow_dockerfile("pod-built", 0), "README.md": "hi\n"})
    stream = await read_stream(build_url(binderd, repo.git_url))
    assert stream.phases[-1] == "ready", stream.events[-5:]
    built = stream.phases.index("built")
    # repo2docker's own JSON log lines, from inside the pod, reach the client verbatim.
    assert {"fetching", "building"} <= set(stream.phases[:built])
    assert len(markers(stream, "pod-built")) == 1
    image = stream.events[-1]["image"]
    repository, tag = image.split("/", 1)[1].rsplit(":", 1)
    assert manifest_status(kb.registry, repository, tag) == 200
    # The finished pod is gone; nothing else in the namespace was created by the build.
    await wait_for_pod(kb, lambda pods: pods == [])
    log = binderd.log_text()
    assert kb.registry.password not in log


async def test_two_binderds_asked_at_once_run_one_pod_and_both_see_the_whole_log(kube_binderd):
    kb = kube_binderd
    first, second = kb.start(), kb.start()
    repo = kb.git.create("k8s-shared", {"Dockerfile": slow_dockerfile("shared-build", 4), "README.md": "x\n"})
    streams = await asyncio.gather(
        read_stream(build_url(first, repo.git_url)), read_stream(build_url(second, repo.git_url))
    )
    for stream in streams:
        assert stream.phases[-1] == "ready", stream.events[-5:]
        assert {"fetching", "building"} <= set(stream.phases)  # from the first line, both of them
    found = [markers(s, "shared-build") for s in streams]
    assert len(found[0]) == 1 and found[0] == found[1]  # one build, one random number, seen by both
    following = [any("already running" in str(e.get("message")) for e in s.events) for s in streams]
    assert sorted(following) == [False, True]


async def test_a_binderd_killed_mid_build_reattaches_after_restart(kube_binderd):
    kb = kube_binderd
    binderd = kb.start()
    repo = kb.git.create("k8s-restart", {"Dockerfile": slow_dockerfile("restart-build", 10), "README.md": "y\n"})
    watching = asyncio.create_task(read_stream(build_url(binderd, repo.git_url)))
    await wait_for_pod(kb, lambda pods: any(p["status"].get("phase") == "Running" for p in pods))
    await asyncio.sleep(2)
    binderd.process.popen.send_signal(signal.SIGKILL)
    binderd.process.popen.wait()
    try:
        await watching  # the stream breaks off with the process
    except Exception:  # noqa: BLE001 - a closed connection is what a killed server gives
        pass
    pods = await asyncio.to_thread(kb.pods, BUILD_SELECTOR)
    assert len(pods) == 1 and pods[0]["status"]["phase"] == "Running"  # the build outlived binderd
    restarted = kb.start(name="restarted")
    stream = await read_stream(build_url(restarted, repo.git_url))
    assert stream.phases[-1] == "ready", stream.events[-5:]
    assert any("already running" in str(e.get("message")) for e in stream.events)
    assert len(markers(stream, "restart-build")) == 1  # the log from its first line, one build
    assert stream.events[0]["phase"] == "waiting"
    await wait_for_pod(kb, lambda pods: pods == [])


async def test_a_failing_build_pod_ends_in_one_failed_event(kube_binderd):
    kb = kube_binderd
    binderd = kb.start()
    repo = kb.git.create("k8s-fail", {"Dockerfile": "FROM binderd/jupyter-base:latest\nRUN echo no-way && false\n"})
    stream = await read_stream(build_url(binderd, repo.git_url))
    # repo2docker's own `failed` line passes through as upstream passes it; binderd's ends the stream.
    assert stream.phases[-1] == "failed" and "built" not in stream.phases
    assert repo.git_url in stream.events[-1]["message"] and "non-zero code: 1" in stream.events[-1]["message"]
    assert "Traceback" not in stream.raw
    await wait_for_pod(kb, lambda pods: pods == [])


async def test_a_build_image_that_cannot_be_pulled_fails_clearly(kube_binderd):
    kb = kube_binderd
    binderd = kb.start(["c.KubernetesBuildExecutor.build_image = '127.0.0.1:9/nope/repo2docker:missing'",
                        "c.KubernetesBuildExecutor.pending_timeout = 60"])
    repo = kb.git.create("k8s-nopull")
    stream = await read_stream(build_url(binderd, repo.git_url))
    assert stream.phases[-1] == "failed"
    assert "build pod cannot start" in stream.events[-1]["message"], stream.events[-1]


def test_health_on_kubernetes_reports_the_api_and_pod_counts(kube_binderd):
    import json

    binderd = kube_binderd.start()
    with urllib.request.urlopen(binderd.url + "health", timeout=30) as r:
        report = json.loads(r.read())
    services = {c["service"]: c for c in report["checks"]}
    assert services["Kubernetes API"]["ok"] is True
    assert services["Pod quota"]["_ignore_failure"] is True
    assert {"total_pods", "build_pods", "user_pods", "quota"} <= set(services["Pod quota"])
    assert report["ok"] is True, report


async def test_health_fails_when_the_api_is_unreachable(kube_binderd, tmp_path):
    bad = tmp_path / "kubeconfig"
    bad.write_text(open(kube_binderd.cluster.kubeconfig).read().replace(
        kube_binderd.cluster.url, "http://127.0.0.1:9"))
    binderd = kube_binderd.start([f"c.KubernetesAPI.kubeconfig = {str(bad)!r}"])
    try:
        urllib.request.urlopen(binderd.url + "health", timeout=60)
        raise AssertionError("expected 503")
    except urllib.error.HTTPError as e:
        assert e.code == 503
        import json

        services = {c["service"]: c for c in json.loads(e.read())["checks"]}
        assert services["Kubernetes API"]["ok"] is False


def example_files() -> dict[str, str]:
    here = os.path.join(REPO_ROOT, "examples", "hello")
    files = {}
    for name in os.listdir(here):
        with open(os.path.join(here, name)) as f:
            files[name] = f.read()
    return files


async def test_the_build_image_builds_the_example_and_python_repos_with_binderds_buildpacks(kube_binderd):
    # What the chart configures: binderd's build image with its repo2docker configuration.
    kb = kube_binderd
    binderd = kb.start(["c.BuildExecutor.repo2docker_config = '/etc/binderd/repo2docker_config.py'"])
    hello = kb.git.create("k8s-hello", example_files())
    stream = await read_stream(build_url(binderd, hello.git_url))
    assert stream.phases[-1] == "ready", stream.events[-5:]
    python = kb.git.create("k8s-python", {
        "requirements.txt": "tabulate==0.9.0\n",
        "postBuild": "#!/bin/sh\npython -c 'import tabulate; print(tabulate.__version__)' > tabulate-version.txt\n",
    })
    stream = await read_stream(build_url(binderd, python.git_url))
    assert stream.phases[-1] == "ready", stream.events[-5:]
    messages = "".join(str(e.get("message", "")) for e in stream.events)
    assert "uv pip install" in messages  # the uv buildpack ran inside the build pod
    image = stream.events[-1]["image"]
    out = subprocess.run(["docker", "run", "--rm", "--entrypoint", "cat", image,
                          "/home/jovyan/tabulate-version.txt"], capture_output=True, text=True)
    assert out.stdout.strip() == "0.9.0", out.stderr
