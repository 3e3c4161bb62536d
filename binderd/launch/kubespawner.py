"""`BinderKubeSpawner`: the binder spawner for a hub on Kubernetes (KubeSpawner).

The launch protocol is `binderd.launch.mixin.BinderSpawnerMixin`; this module
owns what a binder user pod needs beyond KubeSpawner's defaults: an optional CA
bundle mounted from a Secret or a node path. Everything else is KubeSpawner's own
configuration: `image_pull_secrets` for images in a private registry, and the
pod labels `app=jupyterhub, component=singleuser-server` that launch quotas
count pods by (kept as KubeSpawner sets them).

The class body uses only names the mixin module defines plus `KubeSpawner` and
traitlets' `Unicode`, so `binderd.launch.hubconfig` can hand its source to a
zero-to-jupyterhub hub (which lacks binderd) as a configuration snippet.
"""

from __future__ import annotations

from kubespawner import KubeSpawner
from traitlets import Unicode

from binderd.launch.mixin import CA_BUNDLE_PATH, CA_BUNDLE_VARS, BinderSpawnerMixin

__all__ = ["BinderKubeSpawner"]


class BinderKubeSpawner(BinderSpawnerMixin, KubeSpawner):
    """KubeSpawner that launches the image and token binderd asks for."""

    ca_bundle_secret = Unicode(
        "",
        help="""Name of a Secret, in the user pods' namespace, whose key `ca-bundle.crt` is a CA
        bundle to mount read-only into user pods and point SSL_CERT_FILE, REQUESTS_CA_BUNDLE and
        PIP_CERT at (clusters whose outbound TLS goes through an intercepting proxy).
        Takes precedence over ca_bundle. Empty: no Secret is mounted.""",
    ).tag(config=True)

    ca_bundle = Unicode(
        "",
        help="""Path of a CA bundle file on every node, mounted read-only into user pods
        (hostPath) like ca_bundle_secret. Empty: nothing is mounted.""",
    ).tag(config=True)

    def binder_ca_volume(self) -> dict | None:
        """The pod volume holding the CA bundle, or None when none is configured."""
        if self.ca_bundle_secret:
            items = [{"key": "ca-bundle.crt", "path": "ca-bundle.crt"}]
            return {"name": "binder-ca-bundle", "secret": {"secretName": self.ca_bundle_secret, "items": items}}
        if self.ca_bundle:
            return {"name": "binder-ca-bundle", "hostPath": {"path": self.ca_bundle, "type": "File"}}
        return None

    def get_env(self):
        env = super().get_env()
        if self.binder_ca_volume():
            for var in CA_BUNDLE_VARS:
                env[var] = CA_BUNDLE_PATH
        return env

    async def get_pod_manifest(self):
        pod = await super().get_pod_manifest()
        volume = self.binder_ca_volume()
        if volume:
            # a Secret volume is a directory: mount just its one file
            mount = {"name": volume["name"], "mountPath": CA_BUNDLE_PATH, "readOnly": True}
            if "secret" in volume:
                mount["subPath"] = "ca-bundle.crt"
            pod.spec.volumes = list(pod.spec.volumes or []) + [volume]
            container = pod.spec.containers[0]
            container.volume_mounts = list(container.volume_mounts or []) + [mount]
        return pod
