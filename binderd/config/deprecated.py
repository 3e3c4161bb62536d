"""Upstream's deprecated `BinderHub.*` options, copied to the classes that own them now.

Older `binderhub_config.py` files and Helm values set the build options on
`BinderHub` (`build_namespace`, `build_image`, ...). Like upstream, binderd
copies each one that is set to its new home, unless the new name is set too,
and warns either way.
"""

from __future__ import annotations

import logging

from traitlets.config import Config

#: Deprecated BinderHub option -> (class, option) where it lives now.
DEPRECATED_NAMES: dict[str, tuple[str, str]] = {
    "build_namespace": ("KubernetesBuildExecutor", "namespace"),
    "build_image": ("KubernetesBuildExecutor", "build_image"),
    "build_node_selector": ("KubernetesBuildExecutor", "node_selector"),
    "build_docker_host": ("KubernetesBuildExecutor", "docker_host"),
    "build_memory_limit": ("BuildExecutor", "memory_limit"),
    "build_memory_request": ("KubernetesBuildExecutor", "memory_request"),
    "sticky_builds": ("KubernetesBuildExecutor", "sticky_builds"),
    "log_tail_lines": ("KubernetesBuildExecutor", "log_tail_lines"),
    "push_secret": ("KubernetesBuildExecutor", "push_secret"),
    "appendix": ("BuildExecutor", "appendix"),
    "build_max_age": ("KubernetesCleaner", "max_age"),
    "pod_quota": ("LaunchQuota", "total_quota"),
}


def copy_deprecated(config: Config, log: logging.Logger | logging.LoggerAdapter) -> None:
    """Copy each deprecated BinderHub.<name> set in `config` to its new home (in place)."""
    own = config.get("BinderHub", {})
    for old, (cls, new) in DEPRECATED_NAMES.items():
        if old not in own:
            continue
        if new in config.get(cls, {}):
            log.warning("BinderHub.%s is deprecated and ignored: %s.%s is set", old, cls, new)
            continue
        log.warning("BinderHub.%s is deprecated: use %s.%s", old, cls, new)
        value = own[old]
        if old == "build_docker_host" and isinstance(value, str) and value.startswith("unix://"):
            value = value[len("unix://"):]
        config[cls][new] = value
