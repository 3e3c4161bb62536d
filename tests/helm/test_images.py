"""The images the chart runs, started the way the chart starts them.

binderd/binderd runs with exactly what the chart renders for an htpasswd
registry (args, environment, the two Secrets as read-only files, /tmp as the
only writable place, uid 1000, no capabilities) against the real registry and
JupyterHub fixtures. binderd/repo2docker runs repo2docker and hands
GIT_CREDENTIAL_ENV to git. Both images are built by scripts/provision.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.request

import pytest

from tests.fixtures.procs import free_port, wait_for_http
from tests.fixtures.servers import GitServer, Hub, Registry
from tests.fixtures.basic_auth_gate import BasicAuthGate
from tests.helm.chart import ChartCopy, Rendered

BUILD_IMAGE = "binderd/repo2docker:2024.07.0"


def image_present(name: str) -> str:
    if subprocess.run(["docker", "image", "inspect", name], capture_output=True).returncode != 0:
        pytest.fail(f"{name} missing; run scripts/provision")
    return name


def docker_run_args(rendered: Rendered, files_root: str, namespace: str) -> list[str]:
    """`docker run` options for the chart's binderd container: its env, mounts and security settings."""
    pod = rendered.get("Deployment", "binder")["spec"]["template"]["spec"]
    container = rendered.binder_container()
    args = []
    for env in container["env"]:
        source = env.get("valueFrom")
        if source is None:
            value = env["value"]
        elif "fieldRef" in source:
            assert source["fieldRef"]["fieldPath"] == "metadata.namespace"
            value = namespace
        else:
            ref = source["secretKeyRef"]
            value = rendered.secret_data(ref["name"], ref["key"])
        args += ["-e", f"{env['name']}={value}"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "emptyDir" in volume:
            args += ["--tmpfs", f"{mount['mountPath']}:uid=1000,gid=1000"]
            continue
        secret = volume["secret"]["secretName"]
        directory = os.path.join(files_root, mount["name"])
        os.makedirs(directory)
        for key in rendered.get("Secret", secret)["data"]:
            with open(os.path.join(directory, key), "w") as f:
                f.write(rendered.secret_data(secret, key))
        args += ["-v", f"{directory}:{mount['mountPath']}:ro"]
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] and security["capabilities"]["drop"] == ["ALL"]
    args += ["--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
             "--user", f"{pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}"]
    return args


def container_logs(name: str) -> str:
    logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True)
    return logs.stdout + logs.stderr


def wait_for_container(name: str, url: str, timeout: float = 60) -> None:
    """Until `url` answers 200; fails with the container's log if it exits first."""
    deadline = time.monotonic() + timeout
    while True:
        state = subprocess.run(["docker", "inspect", "-f", "{{.State.Running}}", name], capture_output=True, text=True)
        if state.stdout.strip() != "true":
            pytest.fail(f"container {name} stopped:\n{container_logs(name)[-3000:]}")
        try:
            wait_for_http(url, timeout=1)
            return
        except TimeoutError:
            if time.monotonic() > deadline:
                pytest.fail(f"{url} did not answer:\n{container_logs(name)[-3000:]}")


def test_binderd_image_serves_with_the_chart_configuration(registry: Registry, hub: Hub, tmp_path):
    chart = ChartCopy(str(tmp_path / "chart"))
    secret_yaml = (
        f"registry:\n  url: {registry.url}\n  username: {registry.username}\n  password: {registry.password}\n"
        f"jupyterhub:\n  hub:\n    services:\n      binder:\n        apiToken: {hub.api_token}\n"
    )
    config_yaml = (
        f"config:\n  BinderHub:\n    use_registry: true\n    image_prefix: {registry.host}/binder/helmtest-\n"
        f"    hub_url: {hub.url}\n  DockerRegistry:\n    token_url: null\n"
    )
    rendered = chart.template(secret_yaml, config_yaml)
    container = rendered.binder_container()
    image = image_present(container["image"])
    port = free_port()  # the host network is shared: the chart's 8585 may be taken
    assert "--port=8585" in container["args"]
    args = [f"--port={port}" if arg == "--port=8585" else arg for arg in container["args"]]
    name = "binderd-helmtest-" + secrets.token_hex(4)
    run = ["docker", "run", "-d", "--name", name, "--network", "host",
           *docker_run_args(rendered, str(tmp_path / "files"), "binder"),
           image, *args]
    subprocess.run(run, check=True, capture_output=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for_container(name, url + "versions")
        with urllib.request.urlopen(url + "versions", timeout=10) as r:
            assert json.load(r)["binderhub"]
        with urllib.request.urlopen(url + "health", timeout=30) as r:
            health = json.load(r)
        assert health["ok"] is True, health
        services = {check["service"] for check in health["checks"]}
        assert "JupyterHub API" in services and any("egistry" in s for s in services), health
        # Kept build logs go to the state volume: writable on the read-only root filesystem.
        probe = subprocess.run(["docker", "exec", name, "sh", "-c",
                                'test -n "$BINDERD_STATE_DIR" && touch "$BINDERD_STATE_DIR/probe"'])
        assert probe.returncode == 0
        for asset in ("static/bundle/binderd.js", "static/bundle/binderd.css"):  # the pages' front end ships
            with urllib.request.urlopen(url + asset, timeout=10) as r:
                assert r.status == 200 and len(r.read()) > 1000, asset
        logs = container_logs(name)
        assert registry.password not in logs and hub.api_token not in logs
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def test_build_image_runs_repo2docker():
    result = subprocess.run(["docker", "run", "--rm", image_present(BUILD_IMAGE), "jupyter-repo2docker", "--version"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2024.07.0"


def test_build_image_imports_binderd_without_its_dependencies():
    code = "import binderd, repo2docker; print(binderd.__version__)"
    result = subprocess.run(["docker", "run", "--rm", image_present(BUILD_IMAGE), "python", "-c", code],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == subprocess.run(
        ["docker", "run", "--rm", image_present("binderd/binderd:" + result.stdout.strip()), "--version"],
        capture_output=True, text=True).stdout.strip()


def test_build_image_builds_with_binderds_build_packs(tmp_path):
    # the image and --config path the chart gives binderd's build executor; --no-build prints the Dockerfile
    executor = ChartCopy(str(tmp_path / "chart")).template().binderd_config()["config"]["KubernetesBuildExecutor"]
    assert executor["build_image"] == BUILD_IMAGE
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "requirements.txt").write_text("tabulate\n")
    result = subprocess.run(
        ["docker", "run", "--rm", "-v", f"{tmp_path / 'repo'}:/repo:ro", image_present(BUILD_IMAGE),
         "jupyter-repo2docker", "--config", executor["repo2docker_config"], "--no-build", "--no-run", "--debug", "/repo"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dockerfile = result.stdout + result.stderr
    # binderd's uv build pack (repo2docker's own would use pip or conda)
    assert any("uv pip install" in line and "requirements.txt" in line for line in dockerfile.splitlines())


def test_build_image_gives_git_the_credential_without_printing_it(git_server: GitServer):
    repo = git_server.create("private-" + secrets.token_hex(3), {"README.md": "private content\n"})
    password = "pw-" + secrets.token_hex(8)
    with BasicAuthGate(f"http://127.0.0.1:{git_server.http_port}", "binder", password) as gate:
        url = f"http://127.0.0.1:{gate.port}/{repo.name}.git"
        clone = ["sh", "-c", f"git clone -q {url} /tmp/r && cat /tmp/r/README.md"]
        base = ["docker", "run", "--rm", "--network", "host", "-e", "GIT_TERMINAL_PROMPT=0"]

        refused = subprocess.run([*base, image_present(BUILD_IMAGE), *clone], capture_output=True, text=True)
        assert refused.returncode != 0  # the gate really requires the credential

        credential = f"username=binder\\npassword={password}"  # upstream's format: a literal backslash-n
        result = subprocess.run([*base, "-e", f"GIT_CREDENTIAL_ENV={credential}", BUILD_IMAGE, *clone],
                                capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "private content\n"
    assert gate.expected in gate.offered
    assert password not in result.stdout + result.stderr
