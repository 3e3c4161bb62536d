"""Load `-f` files: Python (`binderhub_config.py`) and Helm values (`secret.yaml`, `config.yaml`).

The YAML files are those the BinderHub setup guide tells operators to write for
the Helm chart. binderd maps them the way the chart does:

    config.<Class>.<option>                      -> c.<Class>.<option>
    registry.{url,username,password}             -> DockerRegistry credentials, as the
                                                    chart's docker config.json would give them
    jupyterhub.hub.services.binder.apiToken      -> c.BinderHub.hub_api_token
    extraConfig.<name>                           -> Python run with `c` in scope, sorted by name

Other chart settings (ingress, service, replicas, ...) describe Kubernetes
objects binderd does not create; they are accepted and reported as ignored.
Anything else is an error naming the key.
"""

from __future__ import annotations

import json
import logging
import os

import yaml
from traitlets.config import Config, PyFileConfigLoader

from binderd.config.upstream_names import UPSTREAM_CLASSES, translate

log = logging.getLogger("binderd.config")

DOCKER_HUB_AUTH_KEYS = ("https://index.docker.io/v1/", "https://index.docker.io/v1")

# Top-level keys of upstream's Helm chart values that binderd accepts and ignores.
CHART_ONLY_KEYS = {
    "pdb", "replicas", "resources", "rbac", "nodeSelector", "tolerations", "image", "service",
    "extraFiles", "extraPodSpec", "deployment", "imageBuilderType", "dind", "pink", "imageCleaner",
    "httpRoute", "ingress", "initContainers", "lifecycle", "extraVolumes", "extraVolumeMounts",
    "extraEnv", "podAnnotations", "cors", "global", "hpa", "networkPolicy", "customPodHook",
    "buildImage", "stateVolume",  # binderd's own chart: the build pod image, the state volume
}


class ConfigError(Exception):
    """A configuration problem; the message names the file and key."""


def _require(value, kind, where: str):
    if not isinstance(value, kind):
        names = {dict: "a mapping", str: "a string"}
        raise ConfigError(f"{where} must be {names.get(kind, kind.__name__)}, not {type(value).__name__} {value!r}")
    return value


def _is_service_account_key(password: str) -> bool:
    try:
        return json.loads(password).get("type") == "service_account"
    except (ValueError, AttributeError):
        return False


class _Registry:
    """The `registry:` section, collected across files and applied last."""

    def __init__(self):
        self.values: dict[str, str] = {}

    def update(self, section, where: str) -> None:
        for key, value in _require(section, dict, where).items():
            if key not in ("url", "username", "password"):
                raise ConfigError(f"{where}.{key}: unknown key (expected url, username, password)")
            if value is None:
                continue
            self.values[key] = _require(value, str, f"{where}.{key}")

    def apply(self, config: Config) -> None:
        if not self.values:
            return
        key = self.values.get("url") or DOCKER_HUB_AUTH_KEYS[0]
        # the chart: `_json_key` for exactly https://gcr.io, else "<token>"; binderd also takes
        # `_json_key` for any registry given a service-account key (eu.gcr.io, *-docker.pkg.dev).
        json_key = key == "https://gcr.io" or _is_service_account_key(self.values.get("password", ""))
        username = self.values.get("username") or ("_json_key" if json_key else "<token>")
        if key in DOCKER_HUB_AUTH_KEYS:
            url = "https://registry-1.docker.io"
        else:
            url = key if "://" in key else "https://" + key
        derived = {"url": url, "auth_config_url": key, "username": username}
        if "password" in self.values:
            derived["password"] = self.values["password"]
        section = config.DockerRegistry
        for name, value in derived.items():
            if name not in section:  # explicit config.DockerRegistry.* wins
                section[name] = value


def _load_yaml(path: str, config: Config, registry: _Registry, origins: dict[str, str]) -> None:
    try:
        with open(path) as f:
            values = yaml.safe_load(f) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    _require(values, dict, path)
    for top, section in values.items():
        where = f"{path}: {top}"
        if top == "config":
            for cls, options in (_require(section, dict, where) or {}).items():
                opts = _require(options or {}, dict, f"{where}.{cls}")
                config[cls].update(opts)
                origins.update({f"{cls}.{k}": f"{path}: config.{cls}.{k}" for k in opts})
        elif top == "registry":
            registry.update(section or {}, where)
        elif top == "jupyterhub":
            token = (((section or {}).get("hub") or {}).get("services") or {}).get("binder", {}) or {}
            if token.get("apiToken") is not None:
                config.BinderHub.hub_api_token = _require(
                    token["apiToken"], str, f"{where}.hub.services.binder.apiToken"
                )
        elif top == "extraConfig":
            for name in sorted(_require(section or {}, dict, where)):
                code = _require(section[name], str, f"{where}.{name}")
                try:
                    exec(compile(code, f"{path}:extraConfig.{name}", "exec"), {"c": config})
                except Exception as e:  # noqa: BLE001 - report any error in operator code
                    raise ConfigError(f"{where}.{name}: {type(e).__name__}: {e}") from None
        elif top in CHART_ONLY_KEYS:
            log.info("%s: a Helm chart setting binderd does not use; ignored", where)
        else:
            raise ConfigError(f"{where}: unknown key (binderd reads config, registry, jupyterhub, extraConfig)")


def _load_python(path: str, config: Config) -> None:
    loader = PyFileConfigLoader(os.path.basename(path), path=os.path.dirname(os.path.abspath(path)))
    try:
        config.merge(loader.load_config())
    except Exception as e:  # noqa: BLE001 - any error in the operator's file
        raise ConfigError(f"{path}: {type(e).__name__}: {e}") from None


def load_files(paths: list[str]) -> tuple[Config, dict[str, str]]:
    """Merge the files in order (later files win) into one Config.

    Also returns where each YAML option came from ("Class.name" -> "file: config.Class.name"),
    so errors can name the key as the operator wrote it.
    """
    config = Config()
    registry = _Registry()
    origins: dict[str, str] = {}
    for path in paths:
        if not os.path.exists(path):
            raise ConfigError(f"{path}: no such configuration file")
        if path.endswith((".yaml", ".yml", ".json")):
            _load_yaml(path, config, registry, origins)
        else:
            _load_python(path, config)
    registry.apply(config)
    for name in translate(config):
        log.info("%s is binderd's %s", name, UPSTREAM_CLASSES[name])
    return config, origins
