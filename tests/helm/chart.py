"""Render binderd's Helm chart with the real `helm` for the chart tests.

The chart depends on the zero-to-jupyterhub chart (`jupyterhub` 4.2.0), which
cannot be downloaded here. `ChartCopy` copies helm-chart/binderd into a
temporary directory and puts tests/helm/placeholder-jupyterhub in its charts/
in its place: a stand-in rendering only the hub Secret the way the real chart
does. Operators get the real dependency with `helm dependency build`.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field

import pytest
import yaml

from tests.fixtures.procs import REPO_ROOT

CHART = os.path.join(REPO_ROOT, "helm-chart", "binderd")
PLACEHOLDER = os.path.join(REPO_ROOT, "tests", "helm", "placeholder-jupyterhub")
HELM = os.path.join(REPO_ROOT, ".local", "bin", "helm")


def helm_binary() -> str:
    found = HELM if os.access(HELM, os.X_OK) else shutil.which("helm")
    if not found:
        pytest.fail("helm not installed; run scripts/provision")
    return found


class HelmError(Exception):
    """helm exited with an error; the message is its stderr."""


@dataclass
class Rendered:
    """The documents `helm template` printed, looked up by kind and name."""

    docs: list[dict]

    def get(self, kind: str, name: str) -> dict:
        for doc in self.docs:
            if doc["kind"] == kind and doc["metadata"]["name"] == name:
                return doc
        raise KeyError(f"no {kind} {name}; rendered: {[(d['kind'], d['metadata']['name']) for d in self.docs]}")

    def kinds(self, kind: str) -> list[dict]:
        return [doc for doc in self.docs if doc["kind"] == kind]

    def secret_data(self, name: str, key: str) -> str:
        return base64.b64decode(self.get("Secret", name)["data"][key]).decode()

    def binderd_config(self) -> dict:
        """binderd's configuration file (Secret binder-secret, key values.yaml)."""
        return yaml.safe_load(self.secret_data("binder-secret", "values.yaml"))

    def docker_config(self) -> dict:
        return json.loads(self.secret_data("binder-build-docker-config", "config.json"))

    def binder_container(self) -> dict:
        return self.get("Deployment", "binder")["spec"]["template"]["spec"]["containers"][0]


@dataclass
class ChartCopy:
    """binderd's chart with the placeholder jupyterhub chart as its dependency."""

    root: str
    home: str = field(init=False)

    def __post_init__(self):
        self.path = os.path.join(self.root, "binderd")
        shutil.copytree(CHART, self.path, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
        shutil.copytree(PLACEHOLDER, os.path.join(self.path, "charts", "jupyterhub"))
        self.home = os.path.join(self.root, "home")  # helm's cache and config stay in here
        os.makedirs(self.home)

    def helm(self, *args: str) -> str:
        env = {"HOME": self.home, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        result = subprocess.run([helm_binary(), *args], capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise HelmError(result.stderr.strip())
        return result.stdout

    def write_values(self, name: str, text: str) -> str:
        path = os.path.join(self.root, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def template(self, *values: str, namespace: str = "binder", kube_version: str = "1.28.0",
                 sets: tuple[str, ...] = ()) -> Rendered:
        """`helm template` with these YAML texts as -f files (in order)."""
        args = ["template", "binder", self.path, "--namespace", namespace, "--kube-version", kube_version]
        for i, text in enumerate(values):
            args += ["-f", self.write_values(f"values-{i}.yaml", text)]
        for item in sets:
            args += ["--set", item]
        return Rendered([doc for doc in yaml.safe_load_all(self.helm(*args)) if doc])
