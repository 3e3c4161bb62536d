"""BinderKubeSpawner: the pod KubeSpawner would create for a binder launch.

The manifests are built by KubeSpawner itself (no cluster needed) and checked
against the Kubernetes API's own schema with kubernetes-validate.
"""

import kubernetes_validate
import pytest
from kubernetes_asyncio.client import ApiClient

from binderd.launch.kubespawner import BinderKubeSpawner
from binderd.launch.mixin import CA_BUNDLE_PATH, SERVER_PICKER_CMD, BinderSpawnerMixin
from tests.launch.spawners import OPTIONS, make


async def pod_for(**config) -> dict:
    spawner = make(BinderKubeSpawner, **config)
    spawner.check_user_options()
    spawner.image = OPTIONS["image"]
    pod = ApiClient().sanitize_for_serialization(await spawner.get_pod_manifest())
    kubernetes_validate.validate(pod, kubernetes_validate.latest_version(), strict=True)
    return pod


def env_of(pod: dict) -> dict:
    return {e["name"]: e.get("value") for e in pod["spec"]["containers"][0]["env"]}


async def test_pod_runs_the_image_with_the_picker_and_token(kubeconfig):
    pod = await pod_for()
    [container] = pod["spec"]["containers"]
    assert container["image"] == OPTIONS["image"]
    assert container["args"][:3] == SERVER_PICKER_CMD
    assert not any(OPTIONS["token"] in a for a in container["args"])
    assert env_of(pod)["JUPYTER_TOKEN"] == OPTIONS["token"]
    assert "--ip=0.0.0.0" in container["args"] and "--port=8888" in container["args"]
    assert env_of(pod)["BINDER_REPO_URL"] == OPTIONS["repo_url"]


async def test_pod_keeps_the_labels_launch_quotas_count(kubeconfig):
    labels = (await pod_for())["metadata"]["labels"]
    assert labels["app"] == "jupyterhub" and labels["component"] == "singleuser-server"


async def test_image_pull_secrets_reach_the_pod(kubeconfig):
    pod = await pod_for(image_pull_secrets=["binder-registry"])
    assert pod["spec"]["imagePullSecrets"] == [{"name": "binder-registry"}]


async def test_no_ca_bundle_by_default(kubeconfig):
    pod = await pod_for()
    assert not pod["spec"].get("volumes") and "SSL_CERT_FILE" not in env_of(pod)


@pytest.mark.parametrize("config, source", [
    ({"ca_bundle_secret": "corp-ca"}, {"secret": {"secretName": "corp-ca",
                                                  "items": [{"key": "ca-bundle.crt", "path": "ca-bundle.crt"}]}}),
    ({"ca_bundle": "/etc/ssl/certs/ca-certificates.crt"},
     {"hostPath": {"path": "/etc/ssl/certs/ca-certificates.crt", "type": "File"}}),
    ({"ca_bundle_secret": "corp-ca", "ca_bundle": "/ignored"}, {"secret": {"secretName": "corp-ca",
                                                  "items": [{"key": "ca-bundle.crt", "path": "ca-bundle.crt"}]}}),
])
async def test_ca_bundle_is_mounted_and_pointed_at(kubeconfig, config, source):
    pod = await pod_for(**config, volumes=[{"name": "extra", "emptyDir": {}}],
                        volume_mounts=[{"name": "extra", "mountPath": "/extra"}])
    assert pod["spec"]["volumes"] == [{"name": "extra", "emptyDir": {}}, {"name": "binder-ca-bundle", **source}]
    mounts = pod["spec"]["containers"][0]["volumeMounts"]
    assert mounts[0]["mountPath"] == "/extra"  # configured mounts are kept
    assert mounts[1]["mountPath"] == CA_BUNDLE_PATH and mounts[1]["readOnly"] is True
    assert ("subPath" in mounts[1]) == ("secret" in source)
    env = env_of(pod)
    assert env["SSL_CERT_FILE"] == env["REQUESTS_CA_BUNDLE"] == env["PIP_CERT"] == CA_BUNDLE_PATH


def test_every_binder_spawner_option_has_help():
    for cls in (BinderSpawnerMixin, BinderKubeSpawner):
        for name, trait in cls.class_own_traits(config=True).items():
            assert (trait.help or "").strip(), f"{cls.__name__}.{name}"
