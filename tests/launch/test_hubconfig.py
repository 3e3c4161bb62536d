"""The hub configuration binderd writes: the one-machine file and the z2jh chart values."""

import ast

import yaml
from kubernetes_asyncio.client import ApiClient
from kubespawner import KubeSpawner
from traitlets.config import Config

from binderd.launch import hubconfig, mixin
from binderd.launch.kubespawner import BinderKubeSpawner
from binderd.launch.mixin import SERVER_PICKER_CMD, BinderSpawnerMixin
from tests.launch.spawners import make


def run_config(text: str, c: Config | None = None) -> dict:
    """Run configuration text as JupyterHub does: `c` in the namespace; return the namespace."""
    namespace = {"c": c if c is not None else Config()}
    exec(compile(text, "jupyterhub_config.py", "exec"), namespace)
    return namespace


def test_local_config_is_valid_python_granting_binders_scopes(tmp_path):
    s = hubconfig.HubSettings(directory=str(tmp_path), api_token="t0ken")
    c = run_config(hubconfig.render(s))["c"]
    assert c.JupyterHub.spawner_class == "binderd.launch.spawner.BinderSpawner"
    assert c.JupyterHub.services[0] == {"name": "binder", "api_token": "t0ken"}
    assert c.JupyterHub.load_roles[0]["scopes"] == hubconfig.BINDER_SCOPES


def test_z2jh_values_for_an_anonymous_binder():
    values = hubconfig.render_z2jh(hubconfig.Z2jhSettings(api_token="t0ken", cull_timeout=600))
    hub = values["hub"]
    assert hub["services"]["binder"] == {"apiToken": "t0ken", "display": False}
    assert hub["loadRoles"]["binder"] == {"services": ["binder"], "scopes": hubconfig.BINDER_SCOPES}
    assert hub["config"] == {"BinderSpawner": {"auth_enabled": False, "cors_allow_origin": ""},
                             "JupyterHub": {"authenticator_class": "null"}}
    assert values["singleuser"]["cmd"] == SERVER_PICKER_CMD
    assert values["cull"] == {"enabled": True, "users": True, "timeout": 600}
    assert "imagePullSecret" not in values
    assert yaml.safe_load(yaml.safe_dump(values)) == values  # plain YAML data


def test_z2jh_values_with_login_and_a_private_registry():
    values = hubconfig.render_z2jh(hubconfig.Z2jhSettings(
        auth_enabled=True, cors_allow_origin="*", registry="registry.example.org",
        registry_username="puller", registry_password="pw", cull_timeout=0))
    assert "apiToken" not in values["hub"]["services"]["binder"]  # the chart generates it
    assert values["hub"]["config"] == {"BinderSpawner": {"auth_enabled": True, "cors_allow_origin": "*"}}
    assert values["singleuser"]["cmd"] == ["jupyterhub-singleuser"]
    assert values["cull"] == {"enabled": False, "users": False}
    assert values["imagePullSecret"] == {"create": True, "registry": "registry.example.org",
                                         "username": "puller", "password": "pw"}


def test_extra_config_snippets_are_the_mixin_and_the_kube_spawner():
    snippets = hubconfig.z2jh_extra_config()
    assert sorted(snippets) == ["0-binderspawnermixin", "00-binder"]  # the chart's run order
    with open(mixin.__file__) as f:
        assert snippets["0-binderspawnermixin"] == f.read()
    imports = {n.module for n in ast.walk(ast.parse(snippets["00-binder"])) if isinstance(n, ast.ImportFrom)}
    assert imports == {"kubespawner", "traitlets"}  # nothing from binderd


async def test_extra_config_defines_a_working_binder_kube_spawner(kubeconfig):
    """Run the snippets as the chart does, in one namespace, and use the class they define."""
    c = Config()
    namespace = {"c": c}
    for _, snippet in sorted(hubconfig.z2jh_extra_config().items()):
        exec(compile(snippet, "extraConfig", "exec"), namespace)
    cls = c.JupyterHub.spawner_class
    assert cls.__name__ == "BinderSpawner"
    assert issubclass(cls, KubeSpawner) and issubclass(cls, namespace["BinderSpawnerMixin"])
    assert not issubclass(cls, BinderSpawnerMixin)  # its own copy, not binderd's import

    options = {"cors_allow_origin": "https://site.example", "ca_bundle_secret": "corp-ca"}
    snippet_spawner = make(cls, **options)  # configured as c.BinderSpawner.*, upstream's section name
    installed = make(BinderKubeSpawner, **options)
    pods = []
    for spawner in (snippet_spawner, installed):
        spawner.image = "img:1"
        pods.append(ApiClient().sanitize_for_serialization(await spawner.get_pod_manifest()))
    assert "--ServerApp.allow_origin=https://site.example" in pods[0]["spec"]["containers"][0]["args"]
    assert pods[0]["spec"]["volumes"][0]["secret"]["secretName"] == "corp-ca"
    assert pods[0] == pods[1]  # the snippet behaves as the installed class
